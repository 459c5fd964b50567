// Package collectortest holds what collector tests share: a Sink that
// records what a collector sends, in order, and can fail on demand.
package collectortest

import (
	"errors"

	"github.com/posture-dev/posture/collectors"
)

// Sink records what a collector sends. It implements collectors.Sink.
type Sink struct {
	APIs      []collectors.API
	Endpoints []collectors.Endpoint
	Evidences []collectors.Evidence
	// Order is "api", "endpoint", "evidence" or "finding" per call, in order.
	Order []string
	// FailAfter, when positive, fails every call after the first
	// FailAfter with ErrSinkFull (a store that went away mid-collection).
	FailAfter int
	// Calls counts every call, refused ones included, so a test can see
	// that a collector stopped at the first refusal.
	Calls int
}

// ErrSinkFull is what a Sink with FailAfter returns.
var ErrSinkFull = errors.New("sink full")

func (s *Sink) step(what string) error {
	s.Calls++
	if s.FailAfter > 0 && s.Calls > s.FailAfter {
		return ErrSinkFull
	}
	s.Order = append(s.Order, what)
	return nil
}

// API implements collectors.Sink.
func (s *Sink) API(a collectors.API) error {
	if err := s.step("api"); err != nil {
		return err
	}
	s.APIs = append(s.APIs, a)
	return nil
}

// Endpoint implements collectors.Sink.
func (s *Sink) Endpoint(e collectors.Endpoint) error {
	if err := s.step("endpoint"); err != nil {
		return err
	}
	s.Endpoints = append(s.Endpoints, e)
	return nil
}

// Evidence implements collectors.Sink.
func (s *Sink) Evidence(e collectors.Evidence) error {
	if err := s.step("evidence"); err != nil {
		return err
	}
	s.Evidences = append(s.Evidences, e)
	return nil
}

// Finding implements collectors.Sink; findings are only counted in Order.
func (s *Sink) Finding(collectors.Finding) error { return s.step("finding") }
