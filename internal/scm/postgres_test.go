package scm

import "testing"

// TestOnPostgres runs the service's flows on PostgreSQL (the harness of
// its subtests opens a PostgreSQL schema of their own); it skips when the
// server is unreachable, unless BANCHAN_REQUIRE_SERVICES=1.
func TestOnPostgres(t *testing.T) {
	for name, test := range map[string]func(*testing.T){
		"flow":          TestOrderFlowsToDelivered,
		"nothingToCook": TestNothingToCookShipsAtOnce,
		"hold":          TestBackorderedBeforePickHoldsTheShipment,
		"cancel":        TestCancellationCompensatesAtEachStage,
		"cancelFrees":   TestCancellationFreesStockForWaitingOrders,
		"cancelLate":    TestCancelAfterShippedIsRejected,
		"cancelFirst":   TestCancelIsIdempotentAndMayComeFirst,
		"purchase":      TestBackorderIsShippedWhenThePurchaseOrderArrives,
		"reorder":       TestReorderPointRaisesOnePurchaseOrder,
		"transaction":   TestModulesShareOneTransaction,
		"deadline":      TestAllocationDeadline,
		"simulation":    TestSimulationDeliversAllocatedOrders,
		"badRequests":   TestBadRequestsAreProblems,
		"receipts":      TestReceiptsAddOrGrowBatches,
		"races":         TestConcurrentStepsTakeEffectOnce,
		"errors":        TestInventoryErrorsNameTheProblem,
		"oldestFirst":   TestShrinkingABatchServesTheOldestFirst,
		"expiryWhenDue": TestReservationsAreReleasedWhenDue,
		"consistent":    TestInventoryTablesStayConsistent,
		"cartCheckout":  TestCartCheckoutGivesTheRestToWaitingOrders,
		"batchPages":    TestBatchListPagesInPreference,
		"ownIDs":        TestAnOrderPlacedThroughOrderingTakesNoLinesFromTheAllocationAPI,
	} {
		t.Run(name, test)
	}
}
