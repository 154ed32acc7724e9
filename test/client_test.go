package systemtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// client speaks the banchan HTTP API to whichever process currently serves
// it; point moves it to a restarted one.
type client struct {
	base atomic.Pointer[string]
	hc   *http.Client
}

func newClient(base string) *client {
	c := &client{hc: &http.Client{Timeout: 10 * time.Second}}
	c.point(base)
	return c
}

func (c *client) point(base string) { c.base.Store(&base) }

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(ctx context.Context, method, path string, body any, header map[string]string) (response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, *c.base.Load()+path, r)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// getJSON decodes a 200 answer into v.
func (c *client) getJSON(ctx context.Context, path string, v any) (int, error) {
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusOK {
		return resp.status, fmt.Errorf("GET %s: %d %s", path, resp.status, resp.body)
	}
	return resp.status, json.Unmarshal(resp.body, v)
}

type line struct {
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	UnitPrice int64  `json:"unitPrice"`
	BatchRef  string `json:"batchRef,omitempty"`
}

type address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Postcode string `json:"postcode"`
}

type orderRequest struct {
	CustomerID      string  `json:"customerId"`
	Lines           []line  `json:"lines"`
	DeliveryAddress address `json:"deliveryAddress"`
}

func newOrder(customer, sku string, qty int) orderRequest {
	return orderRequest{CustomerID: customer, Lines: []line{{SKU: sku, Qty: qty, UnitPrice: 450}},
		DeliveryAddress: address{Name: "Test Kitchen", Line1: "1 Crash Lane", Postcode: "N1 9GU"}}
}

type orderView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Lines  []line `json:"lines"`
}

// final reports whether SCM has answered for the order.
func (o orderView) final() bool { return o.Status == "ALLOCATED" || o.Status == "BACKORDERED" }

type batchView struct {
	Ref       string `json:"ref"`
	SKU       string `json:"sku"`
	Qty       int    `json:"qty"`
	Allocated int    `json:"allocated"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
}

// placed is the answer to POST /v1/orders.
type placed struct {
	status   int
	id       string
	replayed bool
	body     []byte
}

func (c *client) placeOrder(ctx context.Context, req orderRequest, key string) (placed, error) {
	var header map[string]string
	if key != "" {
		header = map[string]string{"Idempotency-Key": key}
	}
	resp, err := c.do(ctx, http.MethodPost, "/v1/orders", req, header)
	if err != nil {
		return placed{}, err
	}
	p := placed{status: resp.status, replayed: resp.header.Get("Idempotent-Replayed") == "true", body: resp.body}
	if resp.status == http.StatusCreated {
		var o orderView
		if err := json.Unmarshal(resp.body, &o); err != nil || o.ID == "" {
			return p, fmt.Errorf("POST /v1/orders: 201 without an id: %s", resp.body)
		}
		p.id = o.ID
	}
	return p, nil
}

func (c *client) addBatch(ctx context.Context, ref, sku string, qty int) error {
	body := map[string]any{"ref": ref, "sku": sku, "qty": qty, "eta": nil}
	resp, err := c.do(ctx, http.MethodPost, "/v1/batches", body, nil)
	if err != nil {
		return err
	}
	if resp.status != http.StatusCreated {
		return fmt.Errorf("POST /v1/batches %s: %d %s", ref, resp.status, resp.body)
	}
	return nil
}

func (c *client) order(ctx context.Context, id string) (orderView, error) {
	var o orderView
	_, err := c.getJSON(ctx, "/v1/orders/"+id, &o)
	return o, err
}

func (c *client) batch(ctx context.Context, ref string) (batchView, error) {
	var b batchView
	_, err := c.getJSON(ctx, "/v1/batches/"+ref, &b)
	return b, err
}
