package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

func job(name string) ledger.IngestJob {
	return ledger.IngestJob{FileHash: hashOf(name), FileName: name, Path: "inbox/" + name, Size: 42}
}

var ingestTests = []test{
	{"Ingest/ReleaseOwnJobsAtStart", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		for _, name := range []string{"mine.xml", "theirs.xml"} {
			_, _, err := s.EnqueueIngestJob(ctx, job(name))
			ok(t, err)
		}
		now := time.Now()
		mine, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "replica-a", Limit: 1, Lease: time.Hour, Now: now})
		ok(t, err)
		theirs, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "replica-b", Limit: 1, Lease: time.Hour, Now: now})
		ok(t, err)
		if len(mine) != 1 || len(theirs) != 1 {
			t.Fatalf("claimed %d and %d jobs, want 1 and 1", len(mine), len(theirs))
		}
		_, err = s.ReleaseIngestJobs(ctx, "", now)
		wantErr(t, err, ledger.ErrInvalid, "release without a worker")
		// replica-a restarts: its job is due again at once, replica-b's keeps its lease.
		n, err := s.ReleaseIngestJobs(ctx, "replica-a", now)
		ok(t, err)
		if n != 1 {
			t.Fatalf("released %d jobs, want 1", n)
		}
		again, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "replica-a", Limit: 5, Lease: time.Hour, Now: now.Add(time.Second)})
		ok(t, err)
		if len(again) != 1 || again[0].ID != mine[0].ID || again[0].Attempts != 2 {
			t.Fatalf("claimed after release %+v, want only %s on its second attempt", again, mine[0].ID)
		}
		// The old lease token no longer completes the job.
		_, err = s.CompleteIngestJob(ctx, mine[0].ID, mine[0].Lease.Token, "archived", "")
		wantErr(t, err, ledger.ErrConflict, "complete with a released lease")
		if n, err := s.ReleaseIngestJobs(ctx, "replica-c", now); err != nil || n != 0 {
			t.Fatalf("released %d jobs of an unknown worker, %v", n, err)
		}
	}},
	{"Ingest/EnqueueClaimComplete", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		j, created, err := s.EnqueueIngestJob(ctx, job("a.xml"))
		ok(t, err)
		if !created || j.ID == "" || j.Status != ledger.JobQueued {
			t.Fatalf("enqueued %+v created %v", j, created)
		}
		// The same content under another name is the same job.
		again, created, err := s.EnqueueIngestJob(ctx, ledger.IngestJob{FileHash: hashOf("a.xml"), FileName: "copy of a.xml"})
		ok(t, err)
		if created || again.ID != j.ID || again.FileName != "a.xml" {
			t.Fatalf("enqueue same content: %+v created %v", again, created)
		}
		_, _, err = s.EnqueueIngestJob(ctx, ledger.IngestJob{FileName: "x"})
		wantErr(t, err, ledger.ErrInvalid, "job without hash")
		now := time.Now()
		got, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "w1", Limit: 5, Lease: time.Minute, Now: now})
		ok(t, err)
		if len(got) != 1 || got[0].Status != ledger.JobRunning || got[0].Attempts != 1 || got[0].Lease.Worker != "w1" {
			t.Fatalf("claimed %+v", got)
		}
		if more, _ := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "w2", Limit: 5, Lease: time.Minute, Now: now}); len(more) != 0 {
			t.Fatalf("claimed a running job again: %+v", more)
		}
		_, err = s.CompleteIngestJob(ctx, j.ID, "wrong", "archived", "")
		wantErr(t, err, ledger.ErrConflict, "complete with a wrong token")
		_, err = s.CompleteIngestJob(ctx, "nope", "x", "archived", "")
		wantErr(t, err, ledger.ErrNotFound, "complete unknown job")
		done, err := s.CompleteIngestJob(ctx, j.ID, got[0].Lease.Token, "archived", "archive/ab/abcd.xml")
		ok(t, err)
		if done.Status != ledger.JobDone || done.Outcome != "archived" || done.FinishedAt.IsZero() || done.Lease.Token != "" {
			t.Fatalf("done %+v", done)
		}
		byID, err := s.GetIngestJob(ctx, j.ID)
		ok(t, err)
		if byID.Status != ledger.JobDone || byID.Attempts != 1 || byID.Path != "inbox/a.xml" || byID.Size != 42 {
			t.Fatalf("job by id %+v", byID)
		}
		found, err := s.FindIngestJob(ctx, hashOf("a.xml"))
		ok(t, err)
		if found.ID != j.ID || found.Detail != "archive/ab/abcd.xml" {
			t.Fatalf("found %+v", found)
		}
		_, err = s.FindIngestJob(ctx, hashOf("nope"))
		wantErr(t, err, ledger.ErrNotFound, "unknown hash")
		_, err = s.GetIngestJob(ctx, "nope")
		wantErr(t, err, ledger.ErrNotFound, "unknown job")
	}},
	{"Ingest/FailRetryAndExpiry", func(t *testing.T, s ledger.Store) {
		ctx := t.Context()
		j, _, err := s.EnqueueIngestJob(ctx, job("b.xml"))
		ok(t, err)
		now := time.Now()
		c := func(at time.Time) []ledger.IngestJob {
			js, err := s.ClaimIngestJobs(ctx, ledger.Claim{Worker: "w", Limit: 5, Lease: time.Minute, Now: at})
			ok(t, err)
			return js
		}
		first := c(now)
		failed, err := s.FailIngestJob(ctx, j.ID, first[0].Lease.Token, "disk full", now.Add(10*time.Minute))
		ok(t, err)
		if failed.Status != ledger.JobQueued || failed.LastError != "disk full" {
			t.Fatalf("failed with retry %+v", failed)
		}
		if early := c(now.Add(5 * time.Minute)); len(early) != 0 {
			t.Fatal("claimed before its retry time")
		}
		second := c(now.Add(10 * time.Minute))
		if len(second) != 1 || second[0].Attempts != 2 {
			t.Fatalf("second claim %+v", second)
		}
		// The worker dies; after the lease another takes the job.
		third := c(now.Add(12 * time.Minute))
		if len(third) != 1 || third[0].Attempts != 3 || third[0].Lease.Token == second[0].Lease.Token {
			t.Fatalf("claim after lease expiry %+v", third)
		}
		_, err = s.CompleteIngestJob(ctx, j.ID, second[0].Lease.Token, "archived", "")
		wantErr(t, err, ledger.ErrConflict, "complete with an expired lease")
		dead, err := s.FailIngestJob(ctx, j.ID, third[0].Lease.Token, "unreadable", time.Time{})
		ok(t, err)
		if dead.Status != ledger.JobFailed || dead.FinishedAt.IsZero() {
			t.Fatalf("failed for good %+v", dead)
		}
		if none := c(now.Add(time.Hour)); len(none) != 0 {
			t.Fatal("claimed a failed job")
		}
		list, err := s.ListIngestJobs(ctx, ledger.IngestJobFilter{Status: ledger.JobFailed})
		ok(t, err)
		if len(list) != 1 {
			t.Fatalf("failed jobs %+v", list)
		}
	}},
	{"Ingest/ConcurrentClaimers", func(t *testing.T, s ledger.Store) {
		ConcurrentJobClaims(t, []ledger.Store{s}, 100, 4)
	}},
}

// ConcurrentJobClaims enqueues n jobs, has workers per store claim and
// complete them concurrently until none is left, and checks that each job
// was handed out once and none was lost.
func ConcurrentJobClaims(t *testing.T, stores []ledger.Store, n, workersPerStore int) {
	ctx := t.Context()
	for i := range n {
		_, _, err := stores[i%len(stores)].EnqueueIngestJob(ctx, job(fmt.Sprintf("f%04d.xml", i)))
		ok(t, err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*workersPerStore)
	for si, st := range stores {
		for w := range workersPerStore {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprintf("store%d-w%d", si, w)
				for {
					js, err := st.ClaimIngestJobs(ctx, ledger.Claim{Worker: worker, Limit: 3, Lease: time.Hour, Now: time.Now()})
					if err != nil {
						errs <- err
						return
					}
					if len(js) == 0 {
						return
					}
					for _, j := range js {
						mu.Lock()
						seen[j.ID]++
						mu.Unlock()
						if _, err := st.CompleteIngestJob(ctx, j.ID, j.Lease.Token, "archived", worker); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("claimer: %v", err)
	}
	if len(seen) != n {
		t.Fatalf("%d distinct jobs handed out, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("job %s handed out %d times", id, k)
		}
	}
	done, err := stores[0].ListIngestJobs(ctx, ledger.IngestJobFilter{Status: ledger.JobDone})
	ok(t, err)
	if len(done) != n {
		t.Fatalf("%d jobs done, want %d", len(done), n)
	}
}
