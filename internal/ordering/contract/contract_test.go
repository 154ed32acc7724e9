package contract

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func keys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOrderPlacedShape pins the published field names: consumers in other
// services (and outside banchan) read exactly these.
func TestOrderPlacedShape(t *testing.T) {
	e := OrderPlaced{ID: "o-1", CustomerID: "c-1", Lines: []Line{{SKU: "S", Qty: 1, UnitPrice: 100}},
		TotalAmount: 100, DeliveryAddress: Address{Name: "n", Line1: "l", Postcode: "p"}, PlacedAt: time.Now()}
	want := []string{"customerId", "deliveryAddress", "id", "lines", "placedAt", "totalAmount"}
	if got := keys(t, e); !slices.Equal(got, want) {
		t.Errorf("OrderPlaced keys %v, want %v", got, want)
	}
	if got := keys(t, e.Lines[0]); !slices.Equal(got, []string{"qty", "sku", "unitPrice"}) {
		t.Errorf("line keys %v", got)
	}
	if got := keys(t, e.DeliveryAddress); !slices.Equal(got, []string{"line1", "name", "postcode"}) {
		t.Errorf("address keys %v", got)
	}
}
