// Package deploy_test checks the deployment files of deploy/ against each
// other and against the code: every path a file names exists, every port,
// name and selector one file uses is the one the other declares, every
// configuration they give lettrage loads, every alert has its runbook
// section and its unit test. No container engine or cluster is needed.
package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lettrage/lettrage/internal/config"
)

// repoRoot is the repository, relative to this directory.
const repoRoot = ".."

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustExist(t *testing.T, what, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// yamlDocs decodes every document of a YAML file into a generic map.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, path)))
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// get walks a generic YAML/JSON value along keys (string for maps, int for
// lists) and returns nil when a step is missing.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// --- Dockerfile ---------------------------------------------------------

// dockerfile is what the tests read of deploy/Dockerfile: the instructions
// of each stage, continuation lines joined.
type dockerfile struct {
	stages [][]dockerInstr
}

type dockerInstr struct {
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	var df dockerfile
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "Dockerfile")))
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := dockerInstr{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			df.stages = append(df.stages, nil)
		}
		if len(df.stages) == 0 {
			return // ARG before the first FROM
		}
		df.stages[len(df.stages)-1] = append(df.stages[len(df.stages)-1], in)
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	if len(df.stages) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a multi-stage build", len(df.stages))
	}
	return df
}

func (df dockerfile) final() []dockerInstr { return df.stages[len(df.stages)-1] }

// env returns the ENV of the final stage.
func (df dockerfile) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, in := range df.final() {
		if in.cmd != "ENV" {
			continue
		}
		for _, kv := range strings.Fields(in.args) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("Dockerfile: ENV %q: use KEY=value", in.args)
			}
			out[k] = v
		}
	}
	return out
}

func (df dockerfile) one(t *testing.T, cmd string) string {
	t.Helper()
	var found []string
	for _, in := range df.final() {
		if in.cmd == cmd {
			found = append(found, in.args)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Dockerfile final stage: %d %s instructions, want 1", len(found), cmd)
	}
	return found[0]
}

const imageUID = "65532"

func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t)
	final := df.final()
	if from := final[0].args; !strings.Contains(from, "distroless/static") && from != "scratch" {
		t.Errorf("final stage FROM %s: want a minimal base (distroless static or scratch)", from)
	}
	if u := df.one(t, "USER"); !strings.HasPrefix(u, imageUID+":") {
		t.Errorf("USER %s: want the non-root %s", u, imageUID)
	}
	env := df.env(t)
	if v := df.one(t, "VOLUME"); !strings.Contains(v, `"`+env["LETTRAGE_DATA_DIR"]+`"`) {
		t.Errorf("VOLUME %s is not LETTRAGE_DATA_DIR %s", v, env["LETTRAGE_DATA_DIR"])
	}
	_, port, err := net.SplitHostPort(env["LETTRAGE_LISTEN"])
	if err != nil {
		t.Fatalf("LETTRAGE_LISTEN: %v", err)
	}
	if e := df.one(t, "EXPOSE"); e != port {
		t.Errorf("EXPOSE %s, LETTRAGE_LISTEN port %s", e, port)
	}
	if hc := df.one(t, "HEALTHCHECK"); !strings.Contains(hc, `"/usr/local/bin/lettrage", "healthcheck"`) {
		t.Errorf("HEALTHCHECK %s: want the exec form of lettrage healthcheck (no shell in the image)", hc)
	}
	if ep := df.one(t, "ENTRYPOINT"); ep != `["/usr/local/bin/lettrage"]` {
		t.Errorf("ENTRYPOINT %s", ep)
	}
	// The image's environment is a configuration lettrage loads.
	if _, err := config.Load(config.LoadArgs{Env: envList(env)}); err != nil {
		t.Errorf("the image's ENV does not load: %v", err)
	}

	// The build: static, stamped with the variables version.go declares.
	var build strings.Builder
	for _, st := range df.stages[:len(df.stages)-1] {
		for _, in := range st {
			build.WriteString(in.cmd + " " + in.args + "\n")
		}
	}
	if !strings.Contains(build.String(), "CGO_ENABLED=0") {
		t.Error("the build stage does not set CGO_ENABLED=0")
	}
	checkStamp(t, "Dockerfile", build.String())
	checkStamp(t, "Makefile", string(readFile(t, filepath.Join(repoRoot, "Makefile"))))

	// COPY sources of the build context exist and are not ignored.
	ignore := strings.Fields(stripComments(string(readFile(t, "Dockerfile.dockerignore"))))
	for _, st := range df.stages {
		for _, in := range st {
			if in.cmd != "COPY" || strings.Contains(in.args, "--from=") {
				continue
			}
			f := strings.Fields(in.args)
			for _, src := range f[:len(f)-1] {
				if strings.HasPrefix(src, "--") {
					continue
				}
				mustExist(t, "Dockerfile COPY "+src, filepath.Join(repoRoot, src))
				for _, pat := range ignore {
					if m, _ := filepath.Match(pat, src); m || src == pat {
						t.Errorf("Dockerfile COPY %s, but Dockerfile.dockerignore excludes it (%s)", src, pat)
					}
				}
			}
		}
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd", "internal", "matchers", "deploy"} {
		mustExist(t, "build input "+need, filepath.Join(repoRoot, need))
		if slices.Contains(ignore, need) {
			t.Errorf("Dockerfile.dockerignore excludes %s, which the build needs", need)
		}
	}
	if !strings.Contains(string(readFile(t, filepath.Join(repoRoot, "cmd/lettrage/main.go"))), `"healthcheck":`) {
		t.Error("the HEALTHCHECK runs lettrage healthcheck, which cmd/lettrage does not list")
	}
}

// checkStamp checks that the -X flags of a build set the variables that
// cmd/lettrage/version.go declares (a -X on a missing name is silently
// ignored by the linker).
func checkStamp(t *testing.T, where, text string) {
	t.Helper()
	src := string(readFile(t, filepath.Join(repoRoot, "cmd/lettrage/version.go")))
	for _, v := range []string{"version", "commit", "date"} {
		if !regexp.MustCompile(`(?m)^\s*` + v + `\s*=\s*"`).MatchString(src) {
			t.Errorf("cmd/lettrage/version.go declares no %s variable", v)
		}
		if !strings.Contains(text, "-X main."+v+"=") {
			t.Errorf("%s: the build does not stamp main.%s", where, v)
		}
	}
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func envList(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// --- compose ------------------------------------------------------------

var composeVar = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate resolves ${VAR:-default} as compose would with VAR unset.
func interpolate(s string) string {
	s = strings.ReplaceAll(s, "$$", "\x00")
	s = composeVar.ReplaceAllString(s, "$2")
	return strings.ReplaceAll(s, "\x00", "$")
}

// mount is one "source:target[:mode]" volume of a compose service.
type mount struct{ source, target string }

func mounts(t *testing.T, svc any) []mount {
	t.Helper()
	var out []mount
	vs, _ := get(svc, "volumes").([]any)
	for _, v := range vs {
		parts := strings.Split(str(v), ":")
		if len(parts) < 2 {
			t.Fatalf("volume %q: want source:target", v)
		}
		out = append(out, mount{parts[0], parts[1]})
	}
	return out
}

func TestCompose(t *testing.T) {
	docs := yamlDocs(t, "compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents", len(docs))
	}
	c := docs[0]
	services, _ := c["services"].(map[string]any)
	for _, name := range []string{"postgres", "lettrage", "prometheus", "grafana", "samples"} {
		if services[name] == nil {
			t.Fatalf("compose.yaml: no service %s", name)
		}
	}
	volumes, _ := c["volumes"].(map[string]any)
	bindTargets := map[string]map[string]string{} // service → target → source
	for name, svc := range services {
		bindTargets[name] = map[string]string{}
		for _, m := range mounts(t, svc) {
			if strings.HasPrefix(m.source, ".") || strings.HasPrefix(m.source, "/") {
				mustExist(t, fmt.Sprintf("compose service %s mounts %s", name, m.source), m.source)
				bindTargets[name][m.target] = m.source
			} else if _, ok := volumes[m.source]; !ok {
				t.Errorf("compose service %s mounts the volume %s, which is not declared", name, m.source)
			}
		}
		deps, _ := get(svc, "depends_on").(map[string]any)
		depList, _ := get(svc, "depends_on").([]any)
		for _, d := range depList {
			deps = map[string]any{str(d): nil}
		}
		for d := range deps {
			if services[d] == nil {
				t.Errorf("compose service %s depends on %s, which does not exist", name, d)
			}
		}
	}

	// lettrage: built from the Dockerfile; its environment, over the
	// image's, is a configuration that loads, on PostgreSQL.
	lt := services["lettrage"]
	mustExist(t, "lettrage build context", str(get(lt, "build", "context")))
	mustExist(t, "lettrage dockerfile", filepath.Join(str(get(lt, "build", "context")), str(get(lt, "build", "dockerfile"))))
	df := parseDockerfile(t)
	env := df.env(t)
	for k, v := range get(lt, "environment").(map[string]any) {
		env[k] = interpolate(str(v))
	}
	cfg, err := config.Load(config.LoadArgs{Env: envList(env)})
	if err != nil {
		t.Fatalf("lettrage's compose environment does not load: %v", err)
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") || !strings.Contains(cfg.Database, "@postgres:5432/") {
		t.Errorf("compose lettrage database %q: want the postgres service", cfg.Database)
	}
	if get(services["postgres"], "environment", "POSTGRES_DB") == nil || !strings.Contains(cfg.Database, "/"+str(get(services["postgres"], "environment", "POSTGRES_DB"))+"?") {
		t.Errorf("compose lettrage database %q does not name POSTGRES_DB", cfg.Database)
	}
	_, port, _ := net.SplitHostPort(cfg.Listen)
	published := false
	for _, p := range get(lt, "ports").([]any) {
		published = published || strings.HasSuffix(str(p), ":"+port)
	}
	if !published {
		t.Errorf("compose lettrage ports %v do not publish the listen port %s", get(lt, "ports"), port)
	}
	if m := mounts(t, lt); len(m) != 1 || m[0].target != cfg.DataDir {
		t.Errorf("compose lettrage mounts %v: want one volume on the data directory %s", m, cfg.DataDir)
	}
	if g, err := time.ParseDuration(str(get(lt, "stop_grace_period"))); err != nil || g <= cfg.ShutdownTimeout {
		t.Errorf("compose lettrage stop_grace_period %v: want more than shutdown_timeout %s", get(lt, "stop_grace_period"), cfg.ShutdownTimeout)
	}

	// samples: the daemon's user, the data volume, writes into inbox/ with
	// a temporary name, posts the invoices to the lettrage service.
	sm := services["samples"]
	if u := str(get(sm, "user")); !strings.HasPrefix(u, imageUID+":") {
		t.Errorf("compose samples user %q: want the image's user %s (the daemon must own what it moves)", u, imageUID)
	}
	script := strings.Join(strSlice(get(sm, "command")), "\n")
	for _, want := range []string{cfg.DataDir + "/inbox/.", "http://lettrage:" + port + "/v1/invoices"} {
		if !strings.Contains(script, want) {
			t.Errorf("compose samples command does not contain %q", want)
		}
	}
	if dataMounted := slices.ContainsFunc(mounts(t, sm), func(m mount) bool { return m.target == cfg.DataDir }); !dataMounted {
		t.Errorf("compose samples does not mount the data directory %s", cfg.DataDir)
	}

	// Prometheus runs the release whose promtool tests the rules: module
	// v0.3XX.Y is release v3.XX.Y.
	m := regexp.MustCompile(`(?m)^PROMTOOL_VERSION \?= v0\.3(\d\d)\.(\d+)$`).FindStringSubmatch(string(readFile(t, filepath.Join(repoRoot, "Makefile"))))
	if m == nil {
		t.Fatal("Makefile: no PROMTOOL_VERSION ?= v0.3XX.Y")
	}
	if img, want := str(get(services["prometheus"], "image")), fmt.Sprintf("prom/prometheus:v3.%s.%s", strings.TrimPrefix(m[1], "0"), m[2]); img != want {
		t.Errorf("compose prometheus image %s, want %s (the promtool version that tests the rules)", img, want)
	}

	// Prometheus scrapes lettrage and loads the rules it mounts.
	promCfg := yamlDocs(t, "prometheus/prometheus.yml")[0]
	if src := bindTargets["prometheus"]["/etc/prometheus/prometheus.yml"]; filepath.Clean(src) != "prometheus/prometheus.yml" {
		t.Errorf("compose prometheus mounts %q as its configuration", src)
	}
	for _, rf := range get(promCfg, "rule_files").([]any) {
		src, ok := bindTargets["prometheus"][str(rf)]
		if !ok || filepath.Clean(src) != "prometheus/alerts.yaml" {
			t.Errorf("prometheus.yml rule file %s is not deploy/prometheus/alerts.yaml in compose (%q)", rf, src)
		}
	}
	job := get(promCfg, "scrape_configs", 0)
	if str(get(job, "job_name")) != alertJob(t) {
		t.Errorf("prometheus.yml job %q, the alerts select job %q", get(job, "job_name"), alertJob(t))
	}
	if tg := str(get(job, "static_configs", 0, "targets", 0)); tg != "lettrage:"+port {
		t.Errorf("prometheus.yml target %s, want lettrage:%s", tg, port)
	}

	// Grafana: datasource on the prometheus service, dashboards where the
	// dashboard is mounted.
	gf := services["grafana"]
	prov := bindTargets["grafana"]["/etc/grafana/provisioning"]
	if filepath.Clean(prov) != "grafana/provisioning" {
		t.Fatalf("compose grafana provisioning mount %q", prov)
	}
	ds := yamlDocs(t, "grafana/provisioning/datasources/prometheus.yaml")[0]
	if u := str(get(ds, "datasources", 0, "url")); u != "http://prometheus:9090" {
		t.Errorf("grafana datasource url %s", u)
	}
	dp := yamlDocs(t, "grafana/provisioning/dashboards/lettrage.yaml")[0]
	dir := str(get(dp, "providers", 0, "options", "path"))
	src, ok := bindTargets["grafana"][dir+"/lettrage.json"]
	if !ok || filepath.Clean(src) != "grafana/lettrage.json" {
		t.Errorf("the dashboard provider reads %s, where compose mounts no deploy/grafana/lettrage.json", dir)
	}
	if home := str(get(gf, "environment", "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")); home != dir+"/lettrage.json" {
		t.Errorf("grafana home dashboard %s", home)
	}
}

func strSlice(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

// TestComposeCLI validates compose.yaml with the Compose v2 CLI when one is
// installed (no daemon needed for "config"). Compose v1 (docker-compose
// 1.x) predates the top-level name key and is not used.
func TestComposeCLI(t *testing.T) {
	var cmd *exec.Cmd
	switch {
	case exec.Command("docker", "compose", "version").Run() == nil:
		cmd = exec.Command("docker", "compose", "-f", "compose.yaml", "config", "--quiet")
	default:
		out, err := exec.Command("docker-compose", "version", "--short").Output()
		if err != nil || !strings.HasPrefix(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), "2") {
			t.Skip("no Compose v2 CLI installed")
		}
		cmd = exec.Command("docker-compose", "-f", "compose.yaml", "config", "--quiet")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
}

// --- Kubernetes ---------------------------------------------------------

type k8sObjects map[string]map[string]any // kind → name → object

func loadKubernetes(t *testing.T) (k8sObjects, map[string]any) {
	t.Helper()
	kust := yamlDocs(t, "kubernetes/kustomization.yaml")[0]
	listed := map[string]bool{}
	objs := k8sObjects{}
	for _, r := range get(kust, "resources").([]any) {
		listed[str(r)] = true
		for _, d := range yamlDocs(t, filepath.Join("kubernetes", str(r))) {
			kind, name := str(d["kind"]), str(get(d, "metadata", "name"))
			if kind == "" || name == "" {
				t.Errorf("kubernetes/%s: a document without kind or name", r)
			}
			if objs[kind] == nil {
				objs[kind] = map[string]any{}
			}
			objs[kind][name] = d
		}
	}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" && !listed[b] {
			t.Errorf("kubernetes/%s is not listed in kustomization.yaml", b)
		}
	}
	return objs, kust
}

func obj(t *testing.T, objs k8sObjects, kind, name string) any {
	t.Helper()
	o := objs[kind][name]
	if o == nil {
		t.Fatalf("kubernetes: no %s %q", kind, name)
	}
	return o
}

// selects reports whether every matchLabels pair is among labels.
func selects(match, labels any) bool {
	m, _ := match.(map[string]any)
	l, _ := labels.(map[string]any)
	if len(m) == 0 {
		return false
	}
	for k, v := range m {
		if str(l[k]) != str(v) {
			return false
		}
	}
	return true
}

func TestKubernetes(t *testing.T) {
	objs, kust := loadKubernetes(t)
	dep := obj(t, objs, "Deployment", "lettrage")
	pod := get(dep, "spec", "template")
	podLabels := get(pod, "metadata", "labels")
	if r, _ := get(dep, "spec", "replicas").(int); r < 2 {
		t.Errorf("Deployment replicas %v, want at least 2", get(dep, "spec", "replicas"))
	}
	if !selects(get(dep, "spec", "selector", "matchLabels"), podLabels) {
		t.Error("Deployment selector does not match its pod labels")
	}
	// A Service named lettrage would inject LETTRAGE_SERVICE_HOST… into
	// the pods, which lettrage refuses as unknown configuration.
	if get(pod, "spec", "enableServiceLinks") != false {
		t.Error("pod spec: enableServiceLinks must be false (Service env vars LETTRAGE_* are refused by lettrage)")
	}
	if get(pod, "spec", "securityContext", "runAsNonRoot") != true || str(get(pod, "spec", "securityContext", "runAsUser")) != imageUID {
		t.Errorf("pod securityContext: want runAsNonRoot and runAsUser %s", imageUID)
	}
	ctr := get(pod, "spec", "containers", 0)
	if img := str(get(ctr, "image")); img != str(get(kust, "images", 0, "name")) {
		t.Errorf("container image %s is not the one kustomization.yaml sets (%v)", img, get(kust, "images", 0, "name"))
	}

	// Volumes: the ConfigMap and the ReadWriteMany claim.
	volSrc := map[string]any{}
	for _, v := range get(pod, "spec", "volumes").([]any) {
		volSrc[str(get(v, "name"))] = v
	}
	mountOf := map[string]string{} // volume → mount path
	for _, m := range get(ctr, "volumeMounts").([]any) {
		if volSrc[str(get(m, "name"))] == nil {
			t.Errorf("container mounts the undeclared volume %s", get(m, "name"))
		}
		mountOf[str(get(m, "name"))] = str(get(m, "mountPath"))
	}
	var cmName, pvcName, cfgPath string
	for name, v := range volSrc {
		if n := str(get(v, "configMap", "name")); n != "" {
			cmName = n
			cfgPath = mountOf[name]
		}
		if n := str(get(v, "persistentVolumeClaim", "claimName")); n != "" {
			pvcName = n
		}
	}
	cm := obj(t, objs, "ConfigMap", cmName)
	pvc := obj(t, objs, "PersistentVolumeClaim", pvcName)
	if modes := strSlice(get(pvc, "spec", "accessModes")); !slices.Equal(modes, []string{"ReadWriteMany"}) {
		t.Errorf("PVC access modes %v: the replicas share the data directory, want ReadWriteMany", modes)
	}

	// The configuration the pods load: the ConfigMap file named by
	// LETTRAGE_CONFIG, with the Secret's variables over it.
	env := map[string]string{}
	for _, e := range get(ctr, "env").([]any) {
		env[str(get(e, "name"))] = str(get(e, "value"))
	}
	cfgFile, key := filepath.Split(env["LETTRAGE_CONFIG"])
	if filepath.Clean(cfgFile) != cfgPath {
		t.Errorf("LETTRAGE_CONFIG %s is not in the ConfigMap mount %s", env["LETTRAGE_CONFIG"], cfgPath)
	}
	text := str(get(cm, "data", key))
	if text == "" {
		t.Fatalf("ConfigMap %s has no key %s", cmName, key)
	}
	tmp := filepath.Join(t.TempDir(), key)
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env["LETTRAGE_CONFIG"] = tmp
	for _, ef := range get(ctr, "envFrom").([]any) {
		sec := obj(t, objs, "Secret", str(get(ef, "secretRef", "name")))
		for k, v := range get(sec, "stringData").(map[string]any) {
			env[k] = str(v)
		}
	}
	cfg, err := config.Load(config.LoadArgs{Env: envList(env)})
	if err != nil {
		t.Fatalf("the pods' configuration does not load: %v", err)
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") {
		t.Error("the pods' database is not PostgreSQL (SQLite refuses a second replica)")
	}
	if len(cfg.API.Tokens) == 0 || len(cfg.Webhooks.Endpoints) == 0 {
		t.Error("the Secret gives no API token or no webhook endpoint")
	}
	if cfg.DataDir != mountOf[nameOfClaim(volSrc, pvcName)] {
		t.Errorf("data_dir %s is not where the claim is mounted (%s)", cfg.DataDir, mountOf[nameOfClaim(volSrc, pvcName)])
	}
	if g, _ := get(pod, "spec", "terminationGracePeriodSeconds").(int); time.Duration(g)*time.Second <= cfg.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %d does not exceed shutdown_timeout %s", g, cfg.ShutdownTimeout)
	}

	// Ports and probes.
	_, listenPort, _ := net.SplitHostPort(cfg.Listen)
	ports := map[string]string{}
	for _, p := range get(ctr, "ports").([]any) {
		ports[str(get(p, "name"))] = str(get(p, "containerPort"))
	}
	if ports["http"] != listenPort {
		t.Errorf("container port http %s, listen port %s", ports["http"], listenPort)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		p := get(ctr, probe, "httpGet")
		if str(get(p, "path")) != path || ports[str(get(p, "port"))] == "" {
			t.Errorf("%s: %v, want %s on a declared port", probe, p, path)
		}
	}

	svc := obj(t, objs, "Service", "lettrage")
	if !selects(get(svc, "spec", "selector"), podLabels) {
		t.Error("Service selector does not match the pods")
	}
	svcPort := get(svc, "spec", "ports", 0)
	if ports[str(get(svcPort, "targetPort"))] == "" {
		t.Errorf("Service targetPort %v is not a container port name", get(svcPort, "targetPort"))
	}
	pdb := obj(t, objs, "PodDisruptionBudget", "lettrage")
	if !selects(get(pdb, "spec", "selector", "matchLabels"), podLabels) {
		t.Error("PodDisruptionBudget selector does not match the pods")
	}
	if m, _ := get(pdb, "spec", "minAvailable").(int); m < 1 || m >= get(dep, "spec", "replicas").(int) {
		t.Errorf("PodDisruptionBudget minAvailable %v: want 1 ≤ n < replicas", get(pdb, "spec", "minAvailable"))
	}
	sm := obj(t, objs, "ServiceMonitor", "lettrage")
	if !selects(get(sm, "spec", "selector", "matchLabels"), get(svc, "metadata", "labels")) {
		t.Error("ServiceMonitor selector does not match the Service")
	}
	if p := str(get(sm, "spec", "endpoints", 0, "port")); p != str(get(svcPort, "name")) || str(get(sm, "spec", "endpoints", 0, "path")) != "/metrics" {
		t.Errorf("ServiceMonitor scrapes port %s path %v, want the Service port %v, /metrics", p, get(sm, "spec", "endpoints", 0, "path"), get(svcPort, "name"))
	}
	// The operator names the job after the Service: the alerts select it.
	if str(get(svc, "metadata", "name")) != alertJob(t) {
		t.Errorf("Service %v: the scrape job is named after it, and the alerts select job %q", get(svc, "metadata", "name"), alertJob(t))
	}

	// The PrometheusRule carries alerts.yaml unchanged.
	pr := obj(t, objs, "PrometheusRule", "lettrage")
	var want any
	if err := yaml.Unmarshal(readFile(t, "prometheus/alerts.yaml"), &want); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(get(pr, "spec"))
	if !bytes.Equal(a, b) {
		t.Error("kubernetes/prometheusrule.yaml differs from prometheus/alerts.yaml: run make deploy-rules")
	}
}

func nameOfClaim(vols map[string]any, claim string) string {
	for name, v := range vols {
		if str(get(v, "persistentVolumeClaim", "claimName")) == claim {
			return name
		}
	}
	return ""
}

// --- systemd ------------------------------------------------------------

// unitFile maps "Section.Key" to its values in order.
func unitFile(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	section := ""
	for i, line := range strings.Split(string(readFile(t, path)), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s:%d: %q is not Key=value", path, i+1, line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	u := unitFile(t, "systemd/lettrage.service")
	one := func(k string) string {
		if len(u[k]) != 1 {
			t.Errorf("lettrage.service: %s set %d times, want once", k, len(u[k]))
			return ""
		}
		return u[k][0]
	}
	for k, want := range map[string]string{
		"Service.NoNewPrivileges": "yes",
		"Service.ProtectSystem":   "strict",
		"Service.Restart":         "on-failure",
		"Service.KillSignal":      "SIGTERM",
		"Service.PrivateTmp":      "yes",
	} {
		if got := one(k); got != want {
			t.Errorf("lettrage.service %s=%s, want %s", k, got, want)
		}
	}
	user := one("Service.User")
	if user == "" || user == "root" {
		t.Errorf("lettrage.service User=%q: want a dedicated user", user)
	}
	if !regexp.MustCompile(`(?m)^u\s+` + regexp.QuoteMeta(user) + `\s`).Match(readFile(t, "systemd/lettrage.sysusers.conf")) {
		t.Errorf("lettrage.sysusers.conf does not create the user %s", user)
	}
	exec := strings.Fields(one("Service.ExecStart"))
	dataDir, cfgFile := "", ""
	for i, a := range exec {
		if i+1 < len(exec) {
			switch a {
			case "--data-dir":
				dataDir = exec[i+1]
			case "--config":
				cfgFile = exec[i+1]
			}
		}
	}
	if !slices.Contains(strings.Fields(one("Service.ReadWritePaths")), dataDir) || dataDir == "" {
		t.Errorf("ReadWritePaths %v does not contain the data directory %q", u["Service.ReadWritePaths"], dataDir)
	}
	if want := "/var/lib/" + one("Service.StateDirectory"); want != dataDir {
		t.Errorf("StateDirectory makes %s, the data directory is %s", want, dataDir)
	}
	if cfgFile == "" {
		t.Error("ExecStart gives no --config")
	}
	// The installed configuration is the example: its drain must fit.
	cfg, err := config.Load(config.LoadArgs{File: "lettrage.example.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := time.ParseDuration(strings.TrimSuffix(one("Service.TimeoutStopSec"), "ec"))
	if err != nil || stop <= cfg.ShutdownTimeout {
		t.Errorf("TimeoutStopSec=%s does not exceed shutdown_timeout %s", one("Service.TimeoutStopSec"), cfg.ShutdownTimeout)
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify on the unit, its
// ExecStart pointed at an executable that exists here.
func TestSystemdAnalyzeVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(readFile(t, "systemd/lettrage.service")), "/usr/local/bin/lettrage", self)
	dir := t.TempDir()
	path := filepath.Join(dir, "lettrage.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-analyze", "verify", "--man=no", path)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// --- alerts and runbook ---------------------------------------------------

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record      string            `yaml:"record"`
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func loadRules(t *testing.T) ruleFile {
	t.Helper()
	var rf ruleFile
	if err := yaml.Unmarshal(readFile(t, "prometheus/alerts.yaml"), &rf); err != nil {
		t.Fatal(err)
	}
	return rf
}

// alertJob is the scrape job the alert rules select with up{job="…"}.
func alertJob(t *testing.T) string {
	t.Helper()
	re := regexp.MustCompile(`\bup\{job="([^"]+)"`)
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			if m := re.FindStringSubmatch(r.Expr); m != nil {
				return m[1]
			}
		}
	}
	t.Fatal("no alert selects up{job=…}")
	return ""
}

// githubAnchor is the anchor GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAlertsRunbookAndTests(t *testing.T) {
	runbook := string(readFile(t, "RUNBOOK.md"))
	anchors := map[string]bool{}
	for _, l := range strings.Split(runbook, "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			anchors[githubAnchor(h)] = true
		}
	}
	var tests struct {
		Tests []struct {
			Name           string `yaml:"name"`
			AlertRuleTests []struct {
				AlertName string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(readFile(t, "prometheus/alerts_test.yaml"), &tests); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]int{}, map[string]int{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTests {
			if len(a.ExpAlerts) > 0 {
				fires[a.AlertName]++
			} else {
				quiet[a.AlertName]++
			}
		}
	}
	const prefix = "https://github.com/lettrage/lettrage/blob/main/deploy/RUNBOOK.md#"
	alerts := 0
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			if r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: no summary or description", r.Alert)
			}
			anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], prefix)
			if !ok || anchor != strings.ToLower(r.Alert) {
				t.Errorf("%s: runbook_url %q, want %s%s", r.Alert, r.Annotations["runbook_url"], prefix, strings.ToLower(r.Alert))
			}
			if !anchors[anchor] {
				t.Errorf("%s: RUNBOOK.md has no section ## %s", r.Alert, r.Alert)
			}
			if fires[r.Alert] == 0 {
				t.Errorf("%s: alerts_test.yaml never shows it firing", r.Alert)
			}
			if quiet[r.Alert] == 0 {
				t.Errorf("%s: alerts_test.yaml never shows it quiet", r.Alert)
			}
		}
	}
	if alerts < 7 {
		t.Errorf("%d alerts, want at least 7", alerts)
	}
	for a := range anchors {
		if strings.HasPrefix(a, "lettrage") && !strings.Contains(string(readFile(t, "prometheus/alerts.yaml")), "#"+a+`"`) {
			t.Errorf("RUNBOOK.md section %s has no alert", a)
		}
	}
}

// --- Grafana --------------------------------------------------------------

func TestDashboard(t *testing.T) {
	var dash struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query string `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			GridPos struct{ H, W, X, Y int } `json:"gridPos"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	dec := json.NewDecoder(bytes.NewReader(readFile(t, "grafana/lettrage.json")))
	if err := dec.Decode(&dash); err != nil {
		t.Fatal(err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("dashboard without uid or title")
	}
	if len(dash.Templating.List) == 0 || dash.Templating.List[0].Type != "datasource" || dash.Templating.List[0].Query != "prometheus" {
		t.Error("dashboard: want a Prometheus datasource variable first")
	}
	ds := "${" + dash.Templating.List[0].Name + "}"
	ids := map[int]bool{}
	rows := map[string]bool{}
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24 columns", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			rows[p.Title] = true
			continue
		}
		if p.Datasource.UID != ds {
			t.Errorf("panel %q: datasource %q, want %s", p.Title, p.Datasource.UID, ds)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || refs[tg.RefID] {
				t.Errorf("panel %q: empty expression or refId %s twice", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
		}
	}
	for _, want := range []string{"Ingestion", "Lettrage", "Webhooks", "Dunning", "Go runtime and process"} {
		if !rows[want] {
			t.Errorf("dashboard has no row %q", want)
		}
	}
	if n := len(dash.Panels); n < 20 {
		t.Errorf("%d panels", n)
	}
}
