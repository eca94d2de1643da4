// Package storetest is the conformance suite of the ledger.Store contract.
// Every engine's tests call Run with a function that opens a fresh,
// migrated, empty store; engines that can share one database between
// several stores (PostgreSQL replicas) also call RunReplicas. The crash
// helpers (CrashWriter, CheckConsistent) let an engine's tests kill a
// writer process mid-transaction and check the database afterwards.
//
// The suite talks to the store through ledger.Store only, so it holds each
// engine to the same observable behaviour.
package storetest
