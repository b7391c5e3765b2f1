package kubernetes

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// built is what one kustomization builds, decoded.
type built struct {
	jobs map[string]*batchv1.Job
	pvcs map[string]*corev1.PersistentVolumeClaim
}

// build runs kustomize on dir of fsys and decodes every object strictly
// (unknown or duplicate fields are errors) into its API type.
func build(t *testing.T, fsys filesys.FileSystem, dir string) built {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	b := built{jobs: map[string]*batchv1.Job{}, pvcs: map[string]*corev1.PersistentVolumeClaim{}}
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%s %s/%s", dir, r.GetKind(), r.GetName())
		switch r.GetApiVersion() + " " + r.GetKind() {
		case "batch/v1 Job":
			var j batchv1.Job
			decodeStrict(t, id, y, &j)
			b.jobs[j.Name] = &j
		case "v1 PersistentVolumeClaim":
			var p corev1.PersistentVolumeClaim
			decodeStrict(t, id, y, &p)
			b.pvcs[p.Name] = &p
		default:
			t.Errorf("%s: unexpected object %s %s", id, r.GetApiVersion(), r.GetKind())
		}
	}
	return b
}

func decodeStrict(t *testing.T, id string, y []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(y, into); err != nil {
		t.Fatalf("%s: %v\n%s", id, err, y)
	}
}

// shardSearch is what a check pod runs, read from its resolved command line.
type shardSearch struct {
	shards int
	time   time.Duration
	seed   uint64
	out    string
	json   bool
}

// checkJob returns what is wrong with the pidcheck check Job j: an Indexed
// Job whose every pod runs pidcheck check --json --shards n, n its
// completions, non-root and with resources, writing into the results
// claim. It also returns the search the pods run.
func checkJob(j *batchv1.Job, claim string) (shardSearch, []error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
		bad("completionMode %v: want Indexed (it sets JOB_COMPLETION_INDEX)", j.Spec.CompletionMode)
	}
	n := 0
	if j.Spec.Completions == nil || *j.Spec.Completions < 1 {
		bad("completions %v: want the shard count, at least 1", j.Spec.Completions)
	} else {
		n = int(*j.Spec.Completions)
	}
	if j.Spec.Parallelism == nil || int(*j.Spec.Parallelism) != n {
		bad("parallelism %v, completions %d: kustomize's replacement keeps them equal", j.Spec.Parallelism, n)
	}
	// A violation is deterministic: its index must not be retried, and
	// bad usage must fail the Job at once.
	if j.Spec.BackoffLimitPerIndex == nil {
		bad("no backoffLimitPerIndex: a failed shard's retries would count against the others")
	}
	actions := map[int32]batchv1.PodFailurePolicyAction{}
	if p := j.Spec.PodFailurePolicy; p != nil {
		for _, r := range p.Rules {
			if r.OnExitCodes == nil || r.OnExitCodes.Operator != batchv1.PodFailurePolicyOnExitCodesOpIn {
				continue
			}
			for _, v := range r.OnExitCodes.Values {
				if _, ok := actions[v]; !ok {
					actions[v] = r.Action
				}
			}
		}
	}
	for code, want := range map[int32]batchv1.PodFailurePolicyAction{1: batchv1.PodFailurePolicyActionFailIndex, 2: batchv1.PodFailurePolicyActionFailJob} {
		if actions[code] != want {
			bad("exit status %d: pod failure action %q, want %q", code, actions[code], want)
		}
	}
	pod := j.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		bad("restartPolicy %q: want Never (a podFailurePolicy needs it, and a rerun in place hides the failure)", pod.RestartPolicy)
	}
	errs = append(errs, checkPod(&pod, claim)...)
	c := container(&pod)
	if c == nil {
		return shardSearch{}, append(errs, errors.New("no container named pidcheck"))
	}
	argv, err := resolve(c, nil)
	if err != nil {
		return shardSearch{}, append(errs, err)
	}
	s, err := parseCheck(argv)
	if err != nil {
		return s, append(errs, err)
	}
	if s.shards != n {
		bad("--shards %d, completions %d: pod i runs shard i of --shards, so they must be equal", s.shards, n)
	}
	if !s.json {
		bad("no --json: merge needs each shard's JSON")
	}
	if s.time <= 0 {
		bad("--time %v: want a positive budget", s.time)
	}
	if !underMount(c, s.out) {
		bad("--out %q is not on a mounted volume: the traces would be lost with the pod", s.out)
	}
	return s, errs
}

// checkPod returns what is wrong with a pidcheck pod: it must run as a
// non-root user with no privileges, with resources requested and bounded,
// and mount the results claim.
func checkPod(pod *corev1.PodSpec, claim string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		bad("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", sc)
	}
	if sc != nil && (sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
		bad("pod seccompProfile %+v: want RuntimeDefault", sc.SeccompProfile)
	}
	c := container(pod)
	if c == nil {
		return append(errs, errors.New("no container named pidcheck"))
	}
	if c.Image == "" {
		bad("container has no image")
	}
	csc := c.SecurityContext
	if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") {
		bad("container securityContext %+v: want no privilege escalation, a read-only root and every capability dropped", csc)
	}
	if csc != nil && csc.RunAsUser != nil && *csc.RunAsUser == 0 {
		bad("container runs as root")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[r]
		lim, okLim := c.Resources.Limits[r]
		switch {
		case !okReq || req.Sign() <= 0:
			bad("no %s request", r)
		case !okLim:
			bad("no %s limit", r)
		case req.Cmp(lim) > 0:
			bad("%s request %s above its limit %s", r, req.String(), lim.String())
		}
	}
	mounted := false
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
			for _, m := range c.VolumeMounts {
				mounted = mounted || (m.Name == v.Name && m.MountPath == "/results" && !m.ReadOnly)
			}
		}
	}
	if !mounted {
		bad("claim %q is not mounted writable at /results", claim)
	}
	if len(c.Command) != 4 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || !strings.Contains(c.Command[2], `"$@"`) ||
		!strings.Contains(c.Command[2], "/results/") {
		bad("command %q: want /bin/sh -c SCRIPT sh, the script running \"$@\" (the args) into /results", c.Command)
	}
	return errs
}

func container(pod *corev1.PodSpec) *corev1.Container {
	for k := range pod.Containers {
		if pod.Containers[k].Name == "pidcheck" {
			return &pod.Containers[k]
		}
	}
	return nil
}

// resolve is c's args with $(VAR) expanded from c's env, with set
// overriding it, as the kubelet expands them ($$ is a literal $; a
// variable not in the env is an error here).
func resolve(c *corev1.Container, set map[string]string) ([]string, error) {
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("env %s: from %+v; the test resolves only literal values", e.Name, e.ValueFrom)
		}
		env[e.Name] = e.Value
	}
	for k, v := range set {
		env[k] = v
	}
	var out []string
	for _, a := range c.Args {
		var b strings.Builder
		for i := 0; i < len(a); i++ {
			if a[i] != '$' || i+1 == len(a) {
				b.WriteByte(a[i])
				continue
			}
			switch a[i+1] {
			case '$':
				b.WriteByte('$')
				i++
			case '(':
				end := strings.IndexByte(a[i:], ')')
				if end < 0 {
					b.WriteString(a[i:])
					i = len(a)
					continue
				}
				name := a[i+2 : i+end]
				if v, ok := env[name]; ok {
					b.WriteString(v)
				} else {
					return nil, fmt.Errorf("args %q: $(%s) is not in the container's env", a, name)
				}
				i += end
			default:
				b.WriteByte('$')
			}
		}
		out = append(out, b.String())
	}
	return out, nil
}

// parseCheck reads a pidcheck check command line (pidcheck check FLAGS…).
func parseCheck(argv []string) (shardSearch, error) {
	var s shardSearch
	if len(argv) < 2 || argv[0] != "pidcheck" || argv[1] != "check" {
		return s, fmt.Errorf("args %q: want pidcheck check …", argv)
	}
	fs := flag.NewFlagSet("pidcheck check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&s.shards, "shards", 0, "")
	fs.DurationVar(&s.time, "time", 0, "")
	fs.Uint64Var(&s.seed, "seed", 1, "")
	fs.StringVar(&s.out, "out", "pidcheck-failures", "")
	fs.BoolVar(&s.json, "json", false, "")
	fs.String("impl", "", "")
	fs.String("strategy", "", "")
	fs.Int("jobs", 0, "")
	fs.Int("threads", 0, "")
	fs.Int("ops", 0, "")
	if err := fs.Parse(argv[2:]); err != nil {
		return s, fmt.Errorf("args %q: %v", argv, err)
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("args %q: check takes no arguments, got %q", argv, fs.Args())
	}
	return s, nil
}

func underMount(c *corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if rel, err := filepath.Rel(m.MountPath, path); err == nil && !strings.HasPrefix(rel, "..") && !m.ReadOnly {
			return true
		}
	}
	return false
}

// TestBase: the base's Job is a valid sharded check of 4 shards, writing
// into its own ReadWriteMany claim.
func TestBase(t *testing.T) {
	b := build(t, filesys.MakeFsOnDisk(), "base")
	j, pvc := b.jobs["pidcheck"], b.pvcs["pidcheck-results"]
	if j == nil || pvc == nil || len(b.jobs) != 1 || len(b.pvcs) != 1 {
		t.Fatalf("base builds jobs %v and claims %v: want the Job pidcheck and the claim pidcheck-results", keys(b.jobs), keys(b.pvcs))
	}
	s, errs := checkJob(j, pvc.Name)
	for _, err := range errs {
		t.Error(err)
	}
	if s.shards != 4 {
		t.Errorf("base: %d shards, want 4", s.shards)
	}
	if !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("claim access modes %v: pods on several nodes write at once, want ReadWriteMany", pvc.Spec.AccessModes)
	}
	if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.Sign() <= 0 {
		t.Errorf("claim requests no storage")
	}
}

// TestBaseFileAsWritten: job.yaml decodes strictly on its own too, with
// its values already in step (the base is readable as it stands).
func TestBaseFileAsWritten(t *testing.T) {
	y, err := os.ReadFile("base/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var j batchv1.Job
	decodeStrict(t, "base/job.yaml", y, &j)
	for _, err := range func() []error { _, e := checkJob(&j, "pidcheck-results"); return e }() {
		t.Error(err)
	}
}

// TestOverlayExample: the documented way to change the shard count (a
// patch of completions, kustomize's replacements after it) changes
// parallelism and --shards with it; the env patch changes the budget and
// seed, and images the image.
func TestOverlayExample(t *testing.T) {
	b := build(t, filesys.MakeFsOnDisk(), "overlays/example")
	j := b.jobs["pidcheck"]
	if j == nil || b.pvcs["pidcheck-results"] == nil {
		t.Fatalf("overlay builds jobs %v, claims %v", keys(b.jobs), keys(b.pvcs))
	}
	s, errs := checkJob(j, "pidcheck-results")
	for _, err := range errs {
		t.Error(err)
	}
	if s.shards != 16 || s.time != 30*time.Minute || s.seed != 7 {
		t.Errorf("overlay: --shards %d, --time %v, --seed %d; want 16, 30m, 7", s.shards, s.time, s.seed)
	}
	if c := container(&j.Spec.Template.Spec); c == nil || c.Image != "registry.example.com/pidcheck:v0.1.0" {
		t.Errorf("overlay image: %+v", c)
	}
}

// TestOverlayWithoutReplacementsFails: the check is not vacuous: an overlay
// that patches completions alone leaves --shards at 4 with 16 pods, and
// checkJob says so.
func TestOverlayWithoutReplacementsFails(t *testing.T) {
	fsys := filesys.MakeFsInMemory()
	for _, f := range []string{"base/kustomization.yaml", "base/job.yaml", "base/pvc.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := fsys.WriteFile("/"+f, data); err != nil {
			t.Fatal(err)
		}
	}
	overlay := `resources: [../base]
patches:
  - target: {kind: Job, name: pidcheck}
    patch: |-
      - op: replace
        path: /spec/completions
        value: 16
`
	if err := fsys.WriteFile("/bad/kustomization.yaml", []byte(overlay)); err != nil {
		t.Fatal(err)
	}
	b := build(t, fsys, "/bad")
	_, errs := checkJob(b.jobs["pidcheck"], "pidcheck-results")
	var msgs []string
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "--shards 4, completions 16") || !strings.Contains(all, "parallelism") {
		t.Errorf("an overlay patching completions alone: got %q, want --shards and parallelism reported", all)
	}
}

// TestMergeJob: the merge Job reads the same claim with the same
// restrictions, and runs pidcheck merge.
func TestMergeJob(t *testing.T) {
	b := build(t, filesys.MakeFsOnDisk(), "merge")
	j := b.jobs["pidcheck-merge"]
	if j == nil || len(b.jobs) != 1 {
		t.Fatalf("merge builds jobs %v", keys(b.jobs))
	}
	pod := j.Spec.Template.Spec
	for _, err := range checkPod(&pod, "pidcheck-results") {
		t.Error(err)
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever || j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 {
		t.Errorf("restartPolicy %q, backoffLimit %v: a merge is deterministic, want Never and 0", pod.RestartPolicy, j.Spec.BackoffLimit)
	}
	if c := container(&pod); c == nil || !slices.Equal(c.Args, []string{"pidcheck", "merge"}) {
		t.Errorf("merge container: %+v, want args pidcheck merge", c)
	}
}

// buildPidcheck builds pidcheck from this repository into a directory
// it returns, for PATH.
func buildPidcheck(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds pidcheck")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH to build pidcheck with")
	}
	dir := t.TempDir()
	build := exec.Command(goBin, "build", "-o", filepath.Join(dir, "pidcheck"), "./cmd/pidcheck")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/pidcheck: %v\n%s", err, out)
	}
	return dir
}

// TestArgsAcceptedByPidcheck: the real pidcheck (built from this
// repository) accepts the overlay's check command line: every flag exists
// and every value parses (with --help, check parses its flags and stops
// before exploring). TestJobRunsLocally runs the base's for real.
func TestArgsAcceptedByPidcheck(t *testing.T) {
	bin := filepath.Join(buildPidcheck(t), "pidcheck")
	argv, err := resolve(container(&build1(t, "overlays/example").Spec.Template.Spec), nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(argv[1:], "--help")...)
	cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || !bytes.Contains(out, []byte("--shards")) {
		t.Errorf("pidcheck %s --help: %v\n%s", strings.Join(argv[1:], " "), err, stderr.String())
	}
	// A flag pidcheck does not have is refused: the check can fail.
	if err := exec.Command(bin, append(argv[1:], "--no-such-flag", "--help")...).Run(); err == nil {
		t.Errorf("pidcheck accepted --no-such-flag: this test proves nothing")
	}
}

// runPod runs a pod's container command as a container runtime would:
// command then args (resolved with env set over the container's), the
// results volume's mount path standing for dir, with extra environment.
func runPod(t *testing.T, pod *corev1.PodSpec, path, dir string, set map[string]string, env ...string) (int, string) {
	t.Helper()
	c := container(pod)
	mount := ""
	for _, m := range c.VolumeMounts {
		if m.Name == "results" {
			mount = m.MountPath
		}
	}
	if mount == "" || len(c.Command) == 0 {
		t.Fatalf("container %+v: no results mount or no command", c)
	}
	args, err := resolve(c, set)
	if err != nil {
		t.Fatal(err)
	}
	argv := append(slices.Clone(c.Command), args...)
	for k := range argv {
		argv[k] = strings.ReplaceAll(argv[k], mount, dir) // the volume
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), append(env, "PATH="+path+string(os.PathListSeparator)+os.Getenv("PATH"))...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%q: %v", argv, err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// TestJobRunsLocally: the base Job's pods, run here one after another with
// JOB_COMPLETION_INDEX 0…n-1 (a short PIDCHECK_TIME), each write their
// shard's JSON where the merge Job's pod finds them, and it merges all n
// of them, ok, into merged.json: the command lines, the shell around them
// and the file names fit together.
func TestJobRunsLocally(t *testing.T) {
	path := buildPidcheck(t)
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	j := build1(t, "base")
	n := int(*j.Spec.Completions)
	results := t.TempDir()
	set := map[string]string{"PIDCHECK_TIME": "50ms"}
	for i := range n {
		status, out := runPod(t, &j.Spec.Template.Spec, path, results, set, "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		if status != 0 {
			t.Fatalf("pod %d: exit status %d\n%s", i, status, out)
		}
		if _, err := os.Stat(filepath.Join(results, fmt.Sprintf("shard-%d.json", i))); err != nil {
			t.Fatalf("pod %d wrote no JSON: %v", i, err)
		}
	}
	m := build(t, filesys.MakeFsOnDisk(), "merge").jobs["pidcheck-merge"]
	status, out := runPod(t, &m.Spec.Template.Spec, path, results, nil)
	if status != 0 {
		t.Fatalf("merge pod: exit status %d\n%s", status, out)
	}
	data, err := os.ReadFile(filepath.Join(results, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	var merged struct {
		Verdict string `json:"verdict"`
		Shards  int    `json:"shards"`
		Merged  []int  `json:"merged"`
		Missing []int  `json:"missing"`
	}
	if err := json.Unmarshal(data, &merged); err != nil {
		t.Fatalf("merged.json: %v\n%s", err, data)
	}
	if merged.Verdict != "ok" || merged.Shards != n || len(merged.Merged) != n || len(merged.Missing) != 0 {
		t.Errorf("merged: %+v, want ok, all %d shards", merged, n)
	}
	if !strings.Contains(out, `"verdict": "ok"`) {
		t.Errorf("the merge pod's log has no merged JSON:\n%s", out)
	}
	// A missing shard: the merge pod fails with exit status 3.
	if err := os.Remove(filepath.Join(results, "shard-1.json")); err != nil {
		t.Fatal(err)
	}
	if status, out := runPod(t, &m.Spec.Template.Spec, path, results, nil); status != 3 {
		t.Errorf("merge pod with shard 1 missing: exit status %d, want 3\n%s", status, out)
	}
}

func build1(t *testing.T, dir string) *batchv1.Job {
	t.Helper()
	j := build(t, filesys.MakeFsOnDisk(), dir).jobs["pidcheck"]
	if j == nil {
		t.Fatalf("%s: no Job pidcheck", dir)
	}
	return j
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
