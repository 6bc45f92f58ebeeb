{{/* Per-sink pieces of sinks.yaml; each takes the sink's values block. */}}

{{- define "hub.sinkEnv.sql" -}}
- name: HUB_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .databaseUrl.existingSecret }}
      key: {{ .databaseUrl.key }}
# The sink has no web server: prometheus_client's serves /metrics on this port.
- name: HUB_SQL_METRICS_BIND
  value: "0.0.0.0"
- name: HUB_SQL_METRICS_PORT
  value: {{ .metricsPort | int | quote }}
{{- end }}

{{- define "hub.sinkMetricsPort.sql" -}}
{{ .metricsPort | int }}
{{- end }}

{{- define "hub.sinkMetricsPort.email" -}}
{{ .webPort | int }}
{{- end }}

{{- define "hub.sinkMounts.sql" -}}
{{- end }}

{{- define "hub.sinkVolumes.sql" -}}
{{- end }}

{{- define "hub.sinkEnv.email" -}}
# The sink is a faust app: its data folder must be writable (the root filesystem is not),
# and its web server (status page, /metrics) must be reachable by probes and Prometheus.
- name: HUB_EMAIL_DATA_DIR
  value: /tmp/email-sink
- name: HUB_EMAIL_WEB_BIND
  value: "0.0.0.0"
- name: HUB_EMAIL_WEB_PORT
  value: {{ .webPort | int | quote }}
- name: HUB_SMTP_HOST
  value: {{ .smtp.host | quote }}
- name: HUB_SMTP_PORT
  value: {{ .smtp.port | int | quote }}
- name: HUB_SMTP_STARTTLS
  value: {{ .smtp.starttls | toString | quote }}
- name: HUB_SMTP_FROM
  value: {{ .smtp.from | quote }}
{{- with .smtp.username }}
- name: HUB_SMTP_USERNAME
  value: {{ . | quote }}
{{- end }}
{{- if .smtp.password.existingSecret }}
- name: HUB_SMTP_PASSWORD_FILE
  value: /var/run/secrets/hub/smtp/password
{{- end }}
{{- end }}

{{- define "hub.sinkMounts.email" -}}
{{- if .smtp.password.existingSecret }}
- name: smtp-password
  mountPath: /var/run/secrets/hub/smtp
  readOnly: true
{{- end }}
{{- end }}

{{- define "hub.sinkVolumes.email" -}}
{{- if .smtp.password.existingSecret }}
- name: smtp-password
  secret:
    secretName: {{ .smtp.password.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .smtp.password.key }}
        path: password
{{- end }}
{{- end }}
