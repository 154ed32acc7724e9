package system

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	orderingapp "github.com/banchan/banchan/internal/ordering/app"
	inventoryports "github.com/banchan/banchan/internal/scm/inventory/ports"
)

// catalogFunc adapts the scm service's in-process query to ordering's port.
type catalogFunc func(ctx context.Context, sku string) (bool, error)

func (f catalogFunc) Known(ctx context.Context, sku string) (bool, error) { return f(ctx, sku) }

// unavailable marks the catalog's failures as ordering's
// ErrCatalogUnavailable (503, try again), apart from the adapter's own
// (its mapping table's) errors, which stay internal errors.
type unavailable struct {
	next interface {
		Known(context.Context, string) (bool, error)
	}
}

func (u unavailable) Known(ctx context.Context, sku string) (bool, error) {
	ok, err := u.next.Known(ctx, sku)
	if err != nil {
		err = fmt.Errorf("%w: %w", orderingapp.ErrCatalogUnavailable, err)
	}
	return ok, err
}

// knownSKUs remembers the SKUs a catalog has confirmed: a SKU with stock
// records never becomes unknown, so only the first order of a SKU pays the
// query.
type knownSKUs struct {
	next interface {
		Known(context.Context, string) (bool, error)
	}
	known sync.Map
}

func (k *knownSKUs) Known(ctx context.Context, sku string) (bool, error) {
	if _, ok := k.known.Load(sku); ok {
		return true, nil
	}
	ok, err := k.next.Known(ctx, sku)
	if ok && err == nil {
		k.known.Store(sku, true)
	}
	return ok, err
}

// httpCatalog asks the scm service over REST (GET /v1/skus/{sku}). A SKU
// once known stays known, so positive answers are cached.
type httpCatalog struct {
	base   string
	client *http.Client
	known  sync.Map
}

func newHTTPCatalog(base string) *httpCatalog {
	return &httpCatalog{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: 5 * time.Second}}
}

func (c *httpCatalog) Known(ctx context.Context, sku string) (bool, error) {
	if _, ok := c.known.Load(sku); ok {
		return true, nil
	}
	ok, err := c.ask(ctx, sku)
	if ok && err == nil {
		c.known.Store(sku, true)
	}
	return ok, err
}

// ask is the scm's answer about sku, uncached.
func (c *httpCatalog) ask(ctx context.Context, sku string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/skus/"+url.PathEscape(sku), nil)
	if err != nil {
		return false, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("scm catalog: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		var p struct{ Type, Detail string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p)
		// (An scm of an earlier release says so without the type.)
		if p.Type == inventoryports.UnknownSKUProblem || strings.HasPrefix(p.Detail, "unknown SKU ") {
			return false, nil
		}
		// Not the SCM's answer about a SKU: the path is not served there.
		return false, fmt.Errorf("scm catalog: GET %s: %s %q; is --scm-url the base URL of a process running scm?",
			req.URL, resp.Status, p.Detail)
	default:
		return false, fmt.Errorf("scm catalog: GET %s: %s", req.URL, resp.Status)
	}
}

// probe asks the scm about a SKU no one stocks: an answer about it (200 or
// its unknown-SKU 404) shows that --scm-url reaches the scm service.
func (c *httpCatalog) probe(ctx context.Context) error {
	_, err := c.ask(ctx, "readyz-probe")
	return err
}
