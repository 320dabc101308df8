package check

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ReadReport reads dir/report.json.
func ReadReport(dir string) (*Report, error) {
	b, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		return nil, usageErrorf("read the report: %v (is %s the --out of a `loader check`?)", err, dir)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, usageErrorf("%s: %v", filepath.Join(dir, ReportFile), err)
	}
	return &r, nil
}

// Merge combines the reports of shards (their --out folders) into one in
// out: report.json, junit.xml and index.html, with every image copied.
// Results keep the order of the unsharded input. Reports of different
// candidate or baseline builds, or with a scenario twice, are refused.
func Merge(out string, dirs []string) (*Report, error) {
	if len(dirs) == 0 {
		return nil, usageErrorf("merge: name the shards' report folders")
	}
	var merged *Report
	seen := map[string]string{}
	shards := map[Shard]string{}
	total := 0
	for _, dir := range dirs {
		r, err := ReadReport(dir)
		if err != nil {
			return nil, err
		}
		if r.Shard != "" {
			sh, err := ParseShard(r.Shard)
			if err != nil {
				return nil, usageErrorf("merge: %s: %v", filepath.Join(dir, ReportFile), err)
			}
			if total != 0 && sh.N != total {
				return nil, usageErrorf("merge: %s is shard %s, another folder one of %d shards: merge the shards of one run", dir, sh, total)
			}
			if other, ok := shards[sh]; ok {
				return nil, usageErrorf("merge: %s and %s are both shard %s", other, dir, sh)
			}
			total, shards[sh] = sh.N, dir
		}
		results, took := r.Results, r.DurationMS
		if merged == nil {
			merged = r
			merged.Results = nil
			merged.Shard, merged.MissingShards = "", nil
			merged.DurationMS = 0
		} else if err := sameBuilds(merged, r, dir); err != nil {
			return nil, err
		}
		merged.DurationMS = max(merged.DurationMS, took) // shards run side by side
		if r.Started.Before(merged.Started) {
			merged.Started = r.Started
		}
		for _, res := range results {
			key := res.Name + "#" + res.Size
			if other, ok := seen[key]; ok {
				return nil, usageErrorf("merge: %s is in both %s and %s: were they the same shard?", key, other, dir)
			}
			seen[key] = dir
			if err := copyImages(res, dir, out); err != nil {
				return nil, err
			}
			merged.Results = append(merged.Results, res)
		}
	}
	for i := 1; i <= total; i++ {
		if _, ok := shards[Shard{i, total}]; !ok {
			merged.MissingShards = append(merged.MissingShards, Shard{i, total}.String())
		}
	}
	slices.SortStableFunc(merged.Results, func(a, b *Result) int {
		if a.Scenario.Index != b.Scenario.Index {
			return a.Scenario.Index - b.Scenario.Index
		}
		return strings.Compare(a.Size, b.Size)
	})
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, usageErrorf("create the output folder: %v", err)
	}
	if err := merged.write(out); err != nil {
		return nil, err
	}
	return merged, nil
}

// sameBuilds refuses to merge reports of other builds than a's.
func sameBuilds(a, b *Report, dir string) error {
	id := func(i *BuildInfo) string {
		if i == nil {
			return "none"
		}
		return i.Version + " (build " + i.BuildID + ")"
	}
	if id(&a.Candidate) != id(&b.Candidate) {
		return usageErrorf("merge: %s checked the candidate %s, the others %s", dir, id(&b.Candidate), id(&a.Candidate))
	}
	if id(a.Baseline) != id(b.Baseline) {
		return usageErrorf("merge: %s checked against the baseline %s, the others against %s", dir, id(b.Baseline), id(a.Baseline))
	}
	if a.Golden != b.Golden {
		return usageErrorf("merge: %s compared with the goldens in %q, the others with %q", dir, b.Golden, a.Golden)
	}
	return nil
}

// images are the files of the output folder a result names.
func (r *Result) images() []string {
	var files []string
	add := func(f string) {
		if f != "" {
			files = append(files, f)
		}
	}
	for _, res := range append([]*Result{r}, r.Retries...) {
		for _, s := range res.Shots {
			add(s.Candidate)
			add(s.Baseline)
			for _, c := range []*Comparison{s.Golden, s.VsBaseline} {
				if c != nil {
					add(c.Reference)
					add(c.Diff)
				}
			}
		}
	}
	return files
}

func copyImages(res *Result, from, to string) error {
	if filepath.Clean(from) == filepath.Clean(to) {
		return nil
	}
	for _, f := range res.images() {
		if err := copyFile(filepath.Join(from, f), filepath.Join(to, f)); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
	}
	return nil
}

// copyFile copies src to dst through a temporary file, so a reader never
// sees half an image.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".copy-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Approved is one golden screenshot approve wrote.
type Approved struct {
	Testcase string
	Golden   string
}

// Approve copies the candidate screenshots of the report in out into the
// goldens folder the run used: of the named testcases (NAME@MOMENT#WxH, or
// NAME for all of a scenario's), or of every failed golden comparison when
// none is named.
func Approve(out string, names []string) ([]Approved, error) {
	r, err := ReadReport(out)
	if err != nil {
		return nil, err
	}
	if r.Golden == "" {
		return nil, usageErrorf("approve: the run in %s compared with no goldens (run it with --golden DIR)", out)
	}
	wanted := func(res *Result, s *Shot) bool {
		if len(names) == 0 {
			return s.Golden == nil || s.Golden.Fraction > res.Scenario.MaxDiff
		}
		return slices.Contains(names, s.Testcase) || slices.Contains(names, res.Name)
	}
	var done []Approved
	matched := map[string]bool{}
	for _, res := range r.Results {
		for _, s := range res.Shots {
			if !wanted(res, s) {
				continue
			}
			matched[s.Testcase], matched[res.Name] = true, true
			if s.Candidate == "" {
				return done, usageErrorf("approve: %s has no candidate screenshot to approve", s.Testcase)
			}
			golden := s.GoldenFile
			if golden == "" {
				golden = goldenFile(r.Golden, res.Name, s.Moment, res.Size)
			}
			if err := copyFile(filepath.Join(out, s.Candidate), golden); err != nil {
				return done, fmt.Errorf("approve %s: %w", s.Testcase, err)
			}
			done = append(done, Approved{Testcase: s.Testcase, Golden: golden})
		}
	}
	var unknown []string
	for _, n := range names {
		if !matched[n] {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return done, usageErrorf("approve: no screenshot %s in %s (names are NAME or NAME@MOMENT#WxH, as in junit.xml)", strings.Join(unknown, ", "), out)
	}
	return done, nil
}
