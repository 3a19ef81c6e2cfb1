package emulator

import "testing"

// The lock rule of the route table: every Altogic operation and every
// step that needs the environment's state runs under its lock; waits and
// streams do not.
func TestRouteTableLockRule(t *testing.T) {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for id, op := range em.ops {
		switch {
		case op.api && !op.locked:
			t.Errorf("%s: an Altogic operation runs without the environment's lock", id)
		case op.gate != "" && !op.locked:
			t.Errorf("%s: its gate reads the settings without the lock", id)
		case (op.prepare != nil || op.turn) && !op.locked:
			t.Errorf("%s: a prepare step or an export turn without the lock it comes before", id)
		case op.global && (op.locked || op.api):
			t.Errorf("%s: a global operation has no environment to lock", id)
		}
	}
	for _, id := range []string{"latestEmail", "latestSMS", "inboxEvents", "latestRealtimeEvent"} {
		if em.ops[id].locked {
			t.Errorf("%s waits or streams: it must not hold the environment's lock", id)
		}
	}
}

func TestEveryRouteHasAnOperationAndHandler(t *testing.T) {
	h := newHarness(t, nil)
	ids := h.em.spec.OperationIDs()
	if len(ids) != len(h.em.ops) {
		t.Fatalf("openapi.yaml has %d operations, the route table %d", len(ids), len(h.em.ops))
	}
}
