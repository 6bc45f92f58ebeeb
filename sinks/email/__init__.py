"""The e-mail sink: health events in, alert mail to each profile's AlertEmailList out."""
