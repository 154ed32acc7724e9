package ordering_test

import "testing"

// scenarios run against the ordering service on each store engine: its
// HTTP API, and its bound handlers called as the consumer calls them
// (duplicates and out-of-order deliveries included).
var scenarios = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"VipOnThirdOrderOnceDespiteDuplicates", testVipOnThirdOrderOnceDespiteDuplicates},
	{"CancelledOrderUncountsButVipStays", testCancelledOrderUncountsButVipStays},
	{"CancelledOrdersDoNotMakeVip", testCancelledOrdersDoNotMakeVip},
	{"UnknownCustomerIs404", testUnknownCustomerIs404},
	{"ConcurrentOrdersOfOneCustomer", testConcurrentOrdersOfOneCustomer},
	{"LongCustomerStreamSnapshots", testLongCustomerStreamSnapshots},
	{"CustomerEventsFromBeforeOrderRecords", testCustomerEventsFromBeforeOrderRecords},
	{"OrderEventWithBadCustomerIsPermanent", testOrderEventWithBadCustomerIsPermanent},
	{"LateAndDuplicateProgressNeverMovesBack", testLateAndDuplicateProgressNeverMovesBack},
	{"CancelledOrderIgnoresProgress", testCancelledOrderIgnoresProgress},
	{"CancellationRejectedStaysVisible", testCancellationRejectedStaysVisible},
	{"DelaysAreRecordedOnce", testDelaysAreRecordedOnce},
	{"NewsThatCanNeverApplyIsPermanent", testNewsThatCanNeverApplyIsPermanent},
	{"CancelAtEachAllowedStage", testCancelAtEachAllowedStage},
	{"CancelAfterShippedIs409", testCancelAfterShippedIs409},
	{"CancelRequests", testCancelRequests},
	{"CancelWithIdempotencyKey", testCancelWithIdempotencyKey},
	{"CustomerOrdersPages", testCustomerOrdersPages},
	{"CustomerOrdersBadQueries", testCustomerOrdersBadQueries},
}

func runScenarios(t *testing.T, open opener) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			s.fn(t, newEnv(t, open))
		})
	}
}

func TestOrderingOnSQLite(t *testing.T) { runScenarios(t, openSQLite) }

func TestOrderingOnPostgreSQL(t *testing.T) { runScenarios(t, openPostgres) }
