package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/banchan/banchan/internal/scm/messages"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestTaskTransitions(t *testing.T) {
	cases := []struct {
		from, step  string
		want        string // status after, or "" when refused
		wantStarted bool
	}{
		{Pending, "start", Cooking, false},
		{Cooking, "start", "", false},
		{Done, "start", "", false},
		{Cancelled, "start", "", false},
		{Pending, "finish", Done, true},
		{Cooking, "finish", Done, false},
		{Done, "finish", "", false},
		{Cancelled, "finish", "", false},
		{Pending, "cancel", Cancelled, false},
		{Cooking, "cancel", Cancelled, false},
		{Done, "cancel", "", false},
		{Cancelled, "cancel", "", false},
	}
	for _, c := range cases {
		t.Run(c.from+" "+c.step, func(t *testing.T) {
			task := Task{ID: "t-1", Status: c.from}
			var err error
			started := false
			switch c.step {
			case "start":
				err = task.Start(t0)
			case "finish":
				started, err = task.Finish(t0)
			case "cancel":
				if !task.Cancel(t0) {
					err = errors.New("refused")
				}
			}
			if c.want == "" {
				if err == nil || task.Status != c.from {
					t.Fatalf("%s from %s: allowed (now %s), want refused", c.step, c.from, task.Status)
				}
				if c.step != "cancel" && !errors.Is(err, messages.ErrConflict) {
					t.Errorf("refusal %v is not a conflict", err)
				}
				return
			}
			if err != nil || task.Status != c.want || started != c.wantStarted {
				t.Errorf("%s from %s: %s started=%v err=%v; want %s started=%v",
					c.step, c.from, task.Status, started, err, c.want, c.wantStarted)
			}
		})
	}
}

func TestRefusalNamesTheStatus(t *testing.T) {
	task := Task{ID: "t-9", Status: Done}
	err := task.Start(t0)
	if err == nil || err.Error() != "task t-9 is DONE: cannot start (needs PENDING)" {
		t.Errorf("refusal = %v", err)
	}
}

func TestPlanCooksOnlyItemsThatNeedIt(t *testing.T) {
	n := 0
	newID := func() string { n++; return fmt.Sprintf("t-%d", n) }
	items := []messages.Item{{ItemCode: "KIMCHI", Quantity: 2}, {ItemCode: "WATER", Quantity: 1}, {ItemCode: "MANDU", Quantity: 3}}
	tasks := Plan("o-1", items, func(code string) bool { return code != "WATER" }, newID, t0)
	if len(tasks) != 2 || tasks[0].ItemCode != "KIMCHI" || tasks[1].ItemCode != "MANDU" || tasks[1].Qty != 3 ||
		tasks[0].Status != Pending || tasks[1].ID != "t-2" {
		t.Errorf("tasks %+v", tasks)
	}
	if len(Plan("o-2", items[1:2], func(string) bool { return false }, newID, t0)) != 0 {
		t.Error("planned a task for an item that is not cooked")
	}
	if AllDone(nil) || AllDone([]Task{{Status: Done}, {Status: Cooking}}) || !AllDone([]Task{{Status: Done}}) {
		t.Error("AllDone")
	}
	if !DefaultItem("X").Cook {
		t.Error("items are cooked by default")
	}
}
