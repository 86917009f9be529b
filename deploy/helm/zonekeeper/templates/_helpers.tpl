{{/* The chart's name, truncated to a DNS label. */}}
{{- define "zonekeeper.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name alone when it already contains the chart's name. */}}
{{- define "zonekeeper.fullname" -}}
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

{{- define "zonekeeper.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "zonekeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zonekeeper.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "zonekeeper.labels" -}}
helm.sh/chart: {{ include "zonekeeper.chart" . }}
{{ include "zonekeeper.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "zonekeeper.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "zonekeeper.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "zonekeeper.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/* "true" when leader election is on: explicitly, or because there is more than one replica. */}}
{{- define "zonekeeper.leaderElection" -}}
{{- $enabled := .Values.leaderElection.enabled }}
{{- if kindIs "invalid" $enabled }}
{{- $enabled = gt (int .Values.replicaCount) 1 }}
{{- end }}
{{- if and (not $enabled) (gt (int .Values.replicaCount) 1) }}
{{- fail "leaderElection.enabled=false with replicaCount > 1: every replica would write to Route 53; enable leader election or run one replica" }}
{{- end }}
{{- if $enabled }}true{{ end }}
{{- end }}

{{- define "zonekeeper.leaseName" -}}
{{- default (include "zonekeeper.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* The provider's name: a string (`aws`) or, like the external-dns chart, a map (`{name: aws}`). */}}
{{- define "zonekeeper.provider" -}}
{{- $provider := .Values.provider }}
{{- if kindIs "map" $provider }}
{{- $provider = $provider.name }}
{{- end }}
{{- if not (has $provider (list "aws" "route53" "inmemory")) }}
{{- fail (printf "provider %v is not supported (one of: aws, route53, inmemory)" $provider) }}
{{- end }}
{{- $provider }}
{{- end }}

{{/* The sources, checked: zonekeeper refuses unknown ones at start-up; fail at install instead. */}}
{{- define "zonekeeper.sources" -}}
{{- $known := list "service" "ingress" "istio-gateway" "istio-virtualservice" "crd" "gateway-httproute" "gateway-grpcroute" "gateway-tlsroute" "gateway-tcproute" "gateway-udproute" "node" "pod" }}
{{- if not .Values.sources }}
{{- fail "sources must name at least one source" }}
{{- end }}
{{- range .Values.sources }}
{{- if not (has . $known) }}
{{- fail (printf "source %v is not supported (one of: %s)" . (join ", " $known)) }}
{{- end }}
{{- end }}
{{- toJson (uniq .Values.sources) }}
{{- end }}

{{/* extraArgs as a JSON list of strings: a list is taken as is, a map becomes --key=value
(true: --key; false: left out; a list: the flag repeated). */}}
{{- define "zonekeeper.extraArgs" -}}
{{- $args := list }}
{{- if kindIs "map" .Values.extraArgs }}
{{- range $key, $value := .Values.extraArgs }}
{{- $flag := trimPrefix "--" $key }}
{{- if kindIs "invalid" $value }}
{{- fail (printf "extraArgs.%s must not be null: use true for a flag without a value" $key) }}
{{- else if kindIs "bool" $value }}
{{- if $value }}
{{- $args = append $args (printf "--%s" $flag) }}
{{- end }}
{{- else if kindIs "slice" $value }}
{{- range $value }}
{{- $args = append $args (printf "--%s=%s" $flag (tpl (toString .) $)) }}
{{- end }}
{{- else }}
{{- $args = append $args (printf "--%s=%s" $flag (tpl (toString $value) $)) }}
{{- end }}
{{- end }}
{{- else if kindIs "slice" .Values.extraArgs }}
{{- range .Values.extraArgs }}
{{- $args = append $args (tpl (toString .) $) }}
{{- end }}
{{- else if .Values.extraArgs }}
{{- fail "extraArgs must be a list or a map" }}
{{- end }}
{{- toJson $args }}
{{- end }}

{{/* The container's arguments, as a JSON list: `zonekeeper run` and its flags. */}}
{{- define "zonekeeper.args" -}}
{{- if and .Values.txtPrefix .Values.txtSuffix }}
{{- fail "txtPrefix and txtSuffix are mutually exclusive" }}
{{- end }}
{{- $args := list "run" }}
{{- $args = append $args (printf "--provider=%s" (include "zonekeeper.provider" .)) }}
{{- range (include "zonekeeper.sources" . | fromJsonArray) }}
{{- $args = append $args (printf "--source=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--policy=%s" .Values.policy) }}
{{- $args = append $args (printf "--registry=%s" .Values.registry) }}
{{- with .Values.txtOwnerId }}
{{- $args = append $args (printf "--txt-owner-id=%s" .) }}
{{- end }}
{{- with .Values.txtPrefix }}
{{- $args = append $args (printf "--txt-prefix=%s" .) }}
{{- end }}
{{- with .Values.txtSuffix }}
{{- $args = append $args (printf "--txt-suffix=%s" .) }}
{{- end }}
{{- range .Values.domainFilters }}
{{- $args = append $args (printf "--domain-filter=%s" .) }}
{{- end }}
{{- range .Values.excludeDomains }}
{{- $args = append $args (printf "--exclude-domains=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--interval=%s" (toString .Values.interval)) }}
{{- $args = append $args (printf "--log-level=%s" .Values.logLevel) }}
{{- $args = append $args (printf "--log-format=%s" .Values.logFormat) }}
{{- $args = append $args (printf "--metrics-address=:%d" (int .Values.service.port)) }}
{{- if include "zonekeeper.leaderElection" . }}
{{- $args = append $args "--leader-elect" }}
{{- $args = append $args (printf "--leader-elect-lease-name=%s" (include "zonekeeper.leaseName" .)) }}
{{- with .Values.leaderElection }}
{{- $args = append $args (printf "--leader-elect-lease-duration=%s" (toString .leaseDuration)) }}
{{- $args = append $args (printf "--leader-elect-renew-deadline=%s" (toString .renewDeadline)) }}
{{- $args = append $args (printf "--leader-elect-retry-period=%s" (toString .retryPeriod)) }}
{{- end }}
{{- end }}
{{- $args = concat $args (include "zonekeeper.extraArgs" . | fromJsonArray) }}
{{- toJson $args }}
{{- end }}
