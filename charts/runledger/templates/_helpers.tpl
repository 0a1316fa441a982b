{{/*
Labels on every object the chart makes, and the subset that selects the
operator's pod.
*/}}
{{- define "runledger.selectorLabels" -}}
app.kubernetes.io/name: runledger
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "runledger.labels" -}}
{{ include "runledger.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/*
The operator image. It holds runledger-capture too, so it is also the
image of the init container that installs capture into training pods.
*/}}
{{- define "runledger.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | toString | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/*
The operator's config file: what the release decides, overridden by
.Values.config. The addresses are the container ports below.
*/}}
{{- define "runledger.config" -}}
{{- $release := dict
  "leaderElection" (dict "namespace" .Release.Namespace)
  "metricsAddress" "0.0.0.0:8080"
  "probeAddress" "0.0.0.0:8081"
  "trackingUri" (printf "http://runledger.%s.svc:%d" .Release.Namespace (int .Values.service.trackingPort))
  "tracking" (dict "address" "0.0.0.0:5000")
  "capture" (dict "image" (include "runledger.image" .))
  "store" (dict "walDir" "/var/lib/runledger/wal" "objects" "file:///var/lib/runledger/objects")
-}}
{{- toYaml (mergeOverwrite $release (deepCopy .Values.config)) }}
{{- end }}
