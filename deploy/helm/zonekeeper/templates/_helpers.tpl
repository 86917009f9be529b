{{/* The names follow the external-dns chart's helpers exactly (same overrides, same truncation), so
     that a release switched between the two charts keeps its objects; only the chart name differs,
     and externalDnsNames makes it external-dns's too. */}}

{{/* The chart name the names derive from. */}}
{{- define "zonekeeper.chartName" -}}
{{- ternary "external-dns" .Chart.Name (.Values.externalDnsNames | default false) }}
{{- end }}

{{/* The name: app.kubernetes.io/name, a selector label. */}}
{{- define "zonekeeper.name" -}}
{{- default (include "zonekeeper.chartName" .) .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: the release name alone when it already contains the name. */}}
{{- define "zonekeeper.fullname" -}}
{{- include "zonekeeper.fullnameFrom" (list . (include "zonekeeper.chartName" .)) }}
{{- end }}

{{/* The full name the chart named `chartName` gives (arguments: the context, chartName). */}}
{{- define "zonekeeper.fullnameFrom" -}}
{{- $ctx := index . 0 }}
{{- $chartName := index . 1 }}
{{- if $ctx.Values.fullnameOverride }}
{{- $ctx.Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default $chartName $ctx.Values.nameOverride }}
{{- if contains $name $ctx.Release.Name }}
{{- $ctx.Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" $ctx.Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Upgrading a release the external-dns chart installed without externalDnsNames would rename the
     ServiceAccount (breaking its IRSA trust) and change the Deployment's selector, which the apiserver
     refuses half-way through the upgrade: fail before anything is changed. Needs the cluster (helm
     install/upgrade); `helm template` cannot look. */}}
{{- define "zonekeeper.switchGuard" -}}
{{- if not (or .Values.externalDnsNames .Values.nameOverride) }}
{{- $name := include "zonekeeper.fullnameFrom" (list . "external-dns") }}
{{- with lookup "apps/v1" "Deployment" (include "zonekeeper.namespace" .) $name }}
{{- $release := dig "metadata" "annotations" "meta.helm.sh/release-name" "" . }}
{{- $selector := dig "spec" "selector" "matchLabels" "app.kubernetes.io/name" "" . }}
{{- if and (eq $release $.Release.Name) (eq $selector "external-dns") }}
{{- fail (printf "externalDnsNames: release %s was installed by the external-dns chart (Deployment %s, selector app.kubernetes.io/name=external-dns); set externalDnsNames=true to keep its names, ServiceAccount and selector (docs/install.md, \"Switching an external-dns release in place\")" $.Release.Name $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "zonekeeper.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
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

{{/* Without a ServiceAccount of its own, the one named (the namespace's `default` when none is). */}}
{{- define "zonekeeper.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "zonekeeper.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An external-dns values file names external-dns's image: running it with zonekeeper's arguments
     would crash-loop, so say so at install time. */}}
{{- define "zonekeeper.image" -}}
{{- if hasSuffix "external-dns/external-dns" .Values.image.repository }}
{{- fail (printf "image.repository is %s, external-dns's image: set it to zonekeeper's (docs/install.md, \"The image\")" .Values.image.repository) }}
{{- end }}
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

{{/* The provider's name: a string (`aws`) or a map (`{name: aws}`), as in the external-dns chart. */}}
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
{{- $known = concat $known (list "contour-httpproxy" "kong-tcpingress" "ambassador-host" "gloo-proxy") }}
{{- $known = concat $known (list "f5-virtualserver" "f5-transportserver" "skipper-routegroup" "openshift-route") }}
{{- $known = concat $known (list "traefik-proxy" "empty" "unstructured" "fake" "connector") }}
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

{{/* The first key path under `path` where `value` is set (not empty) to something else than `default`,
     or "" (both plain values trees). Names the key a refusal is about. */}}
{{- define "zonekeeper.firstDifference" -}}
{{- $value := index . 0 }}
{{- $default := index . 1 }}
{{- $path := index . 2 }}
{{- if or (kindIs "map" $value) (kindIs "map" $default) }}
{{- $value = $value | default dict }}
{{- $default = $default | default dict }}
{{- $found := "" }}
{{- range $key := concat (keys $value) (keys $default) | uniq | sortAlpha }}
{{- if not $found }}
{{- $found = include "zonekeeper.firstDifference" (list (get $value $key) (get $default $key) (printf "%s.%s" $path $key)) }}
{{- end }}
{{- end }}
{{- $found }}
{{- else if and (not (empty $value)) (ne (toJson $value) (toJson $default)) }}
{{- $path }}
{{- end }}
{{- end }}

{{/* The external-dns chart's provider.webhook defaults (its webhook sidecar). An external-dns values
     file may carry them; any other value is refused. */}}
{{- define "zonekeeper.webhookDefaults" -}}
image:
  pullPolicy: IfNotPresent
livenessProbe:
  httpGet:
    path: /healthz
    port: http-webhook
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 2
  successThreshold: 1
readinessProbe:
  httpGet:
    path: /healthz
    port: http-webhook
  initialDelaySeconds: 5
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
  successThreshold: 1
service:
  port: 8080
{{- end }}

{{/* Keys of the external-dns chart zonekeeper cannot honour: fail, naming the key and why, rather
     than render something that behaves differently. */}}
{{- define "zonekeeper.refusals" -}}
{{- if has .Values.registry (list "aws-sd" "crd") }}
{{- fail (printf "registry: %s is external-dns's; zonekeeper keeps ownership in txt (or dynamodb) records, or none (noop)" .Values.registry) }}
{{- end }}
{{- if kindIs "map" .Values.provider }}
{{- $defaults := include "zonekeeper.webhookDefaults" . | fromYaml }}
{{- $changed := include "zonekeeper.firstDifference" (list (.Values.provider.webhook | default dict) $defaults "provider.webhook") }}
{{- if $changed }}
{{- fail (printf "%s: zonekeeper calls Route 53 itself and runs no webhook sidecar; remove %s" $changed $changed) }}
{{- end }}
{{- end }}
{{- if and .Values.txtPrefix .Values.txtSuffix }}
{{- fail "txtPrefix and txtSuffix are mutually exclusive" }}
{{- end }}
{{- end }}

{{/* extraArgs as a JSON list of strings, rendered as the external-dns chart does: a list is taken as
     is; a map becomes --key=value (true or null: --key; false: --no-key; a list: the flag repeated). */}}
{{- define "zonekeeper.extraArgs" -}}
{{- $args := list }}
{{- if kindIs "map" .Values.extraArgs }}
{{- range $key, $value := .Values.extraArgs }}
{{- if kindIs "invalid" $value }}
{{- $args = append $args (printf "--%s" $key) }}
{{- else if kindIs "bool" $value }}
{{- $args = append $args (printf (ternary "--%s" "--no-%s" $value) $key) }}
{{- else if kindIs "slice" $value }}
{{- range $value }}
{{- $args = append $args (printf "--%s=%s" $key (tpl (toString .) $)) }}
{{- end }}
{{- else }}
{{- $args = append $args (printf "--%s=%s" $key (tpl (toString $value) $)) }}
{{- end }}
{{- end }}
{{- else if kindIs "slice" .Values.extraArgs }}
{{- range .Values.extraArgs }}
{{- $args = append $args (tpl (toString .) $) }}
{{- end }}
{{- end }}
{{- toJson $args }}
{{- end }}

{{/* The container's arguments, as a JSON list: `zonekeeper run` and the flags the external-dns chart
     renders from the same values, then zonekeeper's own and extraArgs. */}}
{{- define "zonekeeper.args" -}}
{{- include "zonekeeper.refusals" . }}
{{- $v := .Values }}
{{- $args := list "run" (printf "--log-level=%s" $v.logLevel) (printf "--log-format=%s" $v.logFormat) (printf "--interval=%s" (toString $v.interval)) }}
{{- if $v.triggerLoopOnEvent }}
{{- $args = append $args "--events" }}
{{- end }}
{{- range (include "zonekeeper.sources" . | fromJsonArray) }}
{{- $args = append $args (printf "--source=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--policy=%s" $v.policy) }}
{{- $args = append $args (printf "--registry=%s" $v.registry) }}
{{- with $v.txtOwnerId }}
{{- $args = append $args (printf "--txt-owner-id=%s" .) }}
{{- end }}
{{- with $v.txtPrefix }}
{{- $args = append $args (printf "--txt-prefix=%s" .) }}
{{- end }}
{{- with $v.txtSuffix }}
{{- $args = append $args (printf "--txt-suffix=%s" .) }}
{{- end }}
{{- if $v.namespaced }}
{{- $args = append $args (printf "--namespace=%s" (include "zonekeeper.sourceNamespace" .)) }}
{{- end }}
{{- with $v.gatewayNamespace }}
{{- $args = append $args (printf "--gateway-namespace=%s" .) }}
{{- end }}
{{- if $v.enableGatewayListenerSets }}
{{- $args = append $args "--gateway-listener-sets" }}
{{- end }}
{{- range $v.domainFilters }}
{{- $args = append $args (printf "--domain-filter=%s" .) }}
{{- end }}
{{- range $v.excludeDomains }}
{{- $args = append $args (printf "--exclude-domains=%s" .) }}
{{- end }}
{{- with $v.labelFilter }}
{{- $args = append $args (printf "--label-filter=%s" .) }}
{{- end }}
{{- with $v.annotationFilter }}
{{- $args = append $args (printf "--annotation-filter=%s" .) }}
{{- end }}
{{- with $v.annotationPrefix }}
{{- $args = append $args (printf "--annotation-prefix=%s" .) }}
{{- end }}
{{- range $v.managedRecordTypes }}
{{- $args = append $args (printf "--managed-record-types=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--provider=%s" (include "zonekeeper.provider" .)) }}
{{- if not $v.statusUpdates }}
{{- $args = append $args "--no-status-updates" }}
{{- end }}
{{- if include "zonekeeper.leaderElection" . }}
{{- $args = append $args "--leader-elect" }}
{{- $args = append $args (printf "--leader-elect-lease-name=%s" (include "zonekeeper.leaseName" .)) }}
{{- with $v.leaderElection }}
{{- $args = append $args (printf "--leader-elect-lease-duration=%s" (toString .leaseDuration)) }}
{{- $args = append $args (printf "--leader-elect-renew-deadline=%s" (toString .renewDeadline)) }}
{{- $args = append $args (printf "--leader-elect-retry-period=%s" (toString .retryPeriod)) }}
{{- end }}
{{- end }}
{{- $args = concat $args (include "zonekeeper.extraArgs" . | fromJsonArray) }}
{{- toJson $args }}
{{- end }}

{{/* With namespaced=true, the one namespace whose objects are read. */}}
{{- define "zonekeeper.sourceNamespace" -}}
{{- default (include "zonekeeper.namespace" .) .Values.sourceNamespace }}
{{- end }}

{{/* Pod (anti-)affinity and topology spread terms without a labelSelector select this release's pods. */}}
{{- define "zonekeeper.labelSelector" -}}
labelSelector:
  matchLabels:
    {{- include "zonekeeper.selectorLabels" . | nindent 4 }}
{{- end }}

{{/* The pod's affinity: node affinity as is; pod (anti-)affinity terms without a labelSelector get
     this release's selector (as the external-dns chart renders them). Arguments: (affinity, selector). */}}
{{- define "zonekeeper.affinity" -}}
{{- $affinity := index . 0 }}
{{- $selector := index . 1 }}
{{- $out := dict }}
{{- with $affinity.nodeAffinity }}
{{- $_ := set $out "nodeAffinity" . }}
{{- end }}
{{- range $kind := list "podAffinity" "podAntiAffinity" }}
{{- with get $affinity $kind }}
{{- $terms := dict }}
{{- with .preferredDuringSchedulingIgnoredDuringExecution }}
{{- $preferred := list }}
{{- range . }}
{{- $term := .podAffinityTerm | default dict }}
{{- if not (dig "labelSelector" nil $term) }}
{{- $term = merge (deepCopy $selector) $term }}
{{- end }}
{{- $preferred = append $preferred (dict "podAffinityTerm" $term "weight" .weight) }}
{{- end }}
{{- $_ := set $terms "preferredDuringSchedulingIgnoredDuringExecution" $preferred }}
{{- end }}
{{- with .requiredDuringSchedulingIgnoredDuringExecution }}
{{- $required := list }}
{{- range . }}
{{- $required = append $required (ternary . (merge (deepCopy $selector) .) (not (empty (dig "labelSelector" nil .)))) }}
{{- end }}
{{- $_ := set $terms "requiredDuringSchedulingIgnoredDuringExecution" $required }}
{{- end }}
{{- $_ := set $out $kind $terms }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}
