package dunningrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/dunning"
	"github.com/lettrage/lettrage/internal/ledger"
)

// LockName is the ledger.Locker lock scheduled runs take.
const LockName = "dunning"

// Scheduler runs the runner on a cron schedule, one replica per tick.
type Scheduler struct {
	runner *Runner
	locker ledger.Locker
	sched  cron.Schedule
	spec   string
	loc    *time.Location
	log    zerolog.Logger
	m      *Metrics
}

// NewScheduler returns a scheduler for a five-field cron spec (or a
// descriptor such as @daily) read in loc.
func NewScheduler(r *Runner, locker ledger.Locker, spec string, loc *time.Location, log zerolog.Logger, m *Metrics) (*Scheduler, error) {
	if r == nil || locker == nil || loc == nil {
		return nil, errors.New("dunningrun: scheduler needs a runner, a locker and a time zone")
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("dunning.schedule %q: %w", spec, err)
	}
	return &Scheduler{runner: r, locker: locker, sched: sched, spec: spec, loc: loc, log: log, m: m}, nil
}

// Slot names the tick scheduled at t: the minute in the dunning time zone,
// "2026-11-03T08:00". Replicas waking for the same tick share it.
func (s *Scheduler) Slot(t time.Time) string { return t.In(s.loc).Format("2006-01-02T15:04") }

// Tick runs the tick scheduled at t, unless another replica holds the lock
// or already ran it (ran false). The run's date is the civil date of t in
// the dunning time zone.
func (s *Scheduler) Tick(ctx context.Context, t time.Time) (ran bool, rep Report, err error) {
	t = t.In(s.loc).Truncate(time.Minute)
	slot := s.Slot(t)
	asOf := dunning.Today(t, s.loc)
	ran, err = s.locker.RunExclusive(ctx, LockName, slot, func(ctx context.Context) error {
		var err error
		rep, err = s.runner.Run(ctx, asOf, Options{})
		return err
	})
	outcome := "skipped"
	switch {
	case err != nil:
		outcome = "failed"
		s.log.Error().Err(err).Str("slot", slot).Str("as_of", asOf.String()).Msg("scheduled dunning run failed")
	case ran:
		outcome = rep.Outcome()
	default:
		s.log.Info().Str("slot", slot).Msg("scheduled dunning run skipped: another replica holds or ran this tick")
	}
	if s.m != nil {
		s.m.runs.WithLabelValues(outcome).Inc()
		if ran {
			s.m.lastRun.Set(float64(time.Now().Unix()))
			s.m.lastAsOf.Set(float64(asOf.Time().Unix()))
		}
	}
	return ran, rep, err
}

// Run starts the cron schedule and blocks until ctx ends; it then stops
// the schedule and waits for a run in progress, which stops after the
// invoice in hand (each transition is its own transaction, so the next run
// carries on; the interrupted tick is not recorded as run).
func (s *Scheduler) Run(ctx context.Context) error {
	c := cron.New(cron.WithLocation(s.loc))
	c.Schedule(s.sched, cron.FuncJob(func() {
		if ctx.Err() == nil {
			_, _, _ = s.Tick(ctx, time.Now())
		}
	}))
	c.Start()
	s.log.Info().Str("schedule", s.spec).Str("timezone", s.loc.String()).Time("next", s.sched.Next(time.Now().In(s.loc))).Msg("dunning scheduler started")
	<-ctx.Done()
	<-c.Stop().Done()
	s.log.Info().Msg("dunning scheduler stopped")
	return nil
}
