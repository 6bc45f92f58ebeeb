{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>" unless the release name already contains the chart name. */}}
{{- define "hub.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "ingest"). */}}
{{- define "hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hub.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The Kubernetes recommended labels of one component. */}}
{{- define "hub.labels" -}}
helm.sh/chart: {{ include "hub.chart" .ctx }}
{{ include "hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: heartbeat-hub
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* Labels of a pod template: the component's labels plus podLabels. */}}
{{- define "hub.podLabels" -}}
{{ include "hub.labels" . }}
{{- with .ctx.Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "hub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hub.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "hub.workersName" -}}
{{- printf "%s-workers" (include "hub.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The StatefulSet's governing Service: one DNS name per worker pod. */}}
{{- define "hub.workersHeadlessName" -}}
{{- printf "%s-workers-headless" (include "hub.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hub.ingestName" -}}
{{- printf "%s-ingest" (include "hub.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hub.adminSecretName" -}}
{{- default (printf "%s-admin" (include "hub.fullname" .)) .Values.admin.existingSecret }}
{{- end }}

{{- define "hub.secretKeyName" -}}
{{- default (printf "%s-secret-key" (include "hub.fullname" .)) .Values.secretKey.existingSecret }}
{{- end }}

{{/* The PBX API's settings and the hub's secret key, for the ingress, the workers and the e-mail sink (alert channels). */}}
{{- define "hub.pbxEnv" -}}
- name: HUB_SECRET_KEY_FILE
  value: /var/run/secrets/hub/key/key
- name: HUB_PBX_DENY_NETWORKS
  value: {{ join "," .Values.pbx.denyNetworks | quote }}
- name: HUB_TRUSTED_PROXIES
  value: {{ join "," .Values.pbx.trustedProxies | quote }}
- name: HUB_PUBLIC_URL
  value: {{ .Values.pbx.publicUrl | quote }}
{{- end }}

{{- define "hub.secretKeyMount" -}}
- name: secret-key
  mountPath: /var/run/secrets/hub/key
  readOnly: true
{{- end }}

{{- define "hub.secretKeyVolume" -}}
- name: secret-key
  secret:
    secretName: {{ include "hub.secretKeyName" . }}
    defaultMode: 0440
    items:
      - key: {{ .Values.secretKey.existingSecretKey }}
        path: key
{{- end }}

{{/* The ingress reaches any worker through the ClusterIP Service; workers forward to owners. */}}
{{- define "hub.responderUrl" -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "hub.workersName" .) .Release.Namespace .Values.clusterDomain (int .Values.workers.service.port) }}
{{- end }}

{{/* Environment shared by every deployable. */}}
{{- define "hub.kafkaEnv" -}}
- name: HUB_KAFKA_BOOTSTRAP
  value: {{ required "kafka.bootstrap is required" .Values.kafka.bootstrap | quote }}
- name: HUB_TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
- name: HUB_PARTITIONS
  value: {{ .Values.kafka.partitions | int | quote }}
- name: HUB_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | int | quote }}
{{- end }}

{{/* readOnlyRootFilesystem: Python and its libraries still want a writable /tmp. */}}
{{- define "hub.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "hub.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Pod-level settings every pod shares. */}}
{{- define "hub.podCommon" -}}
serviceAccountName: {{ include "hub.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Scheduling of one component: pass its values block. */}}
{{- define "hub.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Checks that stop a render whose values cannot work. */}}
{{- define "hub.validate" -}}
{{- if gt (int .Values.workers.replicas) (int .Values.kafka.partitions) }}
{{- fail (printf "workers.replicas (%d) must not exceed kafka.partitions (%d): a worker without a partition idles" (int .Values.workers.replicas) (int .Values.kafka.partitions)) }}
{{- end }}
{{- if lt (int .Values.kafka.partitions) 1 }}
{{- fail "kafka.partitions must be at least 1" }}
{{- end }}
{{- if and .Values.sinks.sql.enabled (not .Values.sinks.sql.databaseUrl.existingSecret) }}
{{- fail "sinks.sql.databaseUrl.existingSecret is required when sinks.sql.enabled is true" }}
{{- end }}
{{- if and .Values.sinks.email.enabled (not .Values.sinks.email.smtp.host) }}
{{- fail "sinks.email.smtp.host is required when sinks.email.enabled is true" }}
{{- end }}
{{- if gt (int .Values.sinks.sql.keda.maxReplicas) (int .Values.kafka.partitions) }}
{{- fail (printf "sinks.sql.keda.maxReplicas (%d) must not exceed kafka.partitions (%d): a sink without a partition idles" (int .Values.sinks.sql.keda.maxReplicas) (int .Values.kafka.partitions)) }}
{{- end }}
{{- end }}

{{- define "hub.adminSecretKey" -}}
{{- if .Values.admin.existingSecret }}{{ .Values.admin.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* The label on the Services the ServiceMonitor scrapes (one per component and port). */}}
{{- define "hub.metricsLabels" -}}
heartbeat-hub/metrics: "true"
{{- end }}

{{/* The SQL sink's consumer group, as the sink derives it (sinks/sql/settings.py). */}}
{{- define "hub.sqlSinkGroup" -}}
{{- printf "%ssql-sink" .Values.kafka.topicPrefix }}
{{- end }}
