package messages

// Stages of a fulfilment order, in the order they are reached (ALLOCATED
// and BACKORDERED alternate while stock moves).
const (
	// StageNotReceived is the stage of an order the SCM has not seen: a
	// cancellation that overtook its order.
	StageNotReceived  = "NOT_RECEIVED"
	StageAccepted     = "ACCEPTED"
	StageAllocated    = "ALLOCATED"
	StageBackordered  = "BACKORDERED"
	StageCooking      = "COOKING"
	StageCooked       = "COOKED"
	StageAwaitingPick = "AWAITING_PICK"
	StagePickedUp     = "PICKED_UP"
	StagePacked       = "PACKED"
	StageShipped      = "SHIPPED"
	StageDelivered    = "DELIVERED"
	StageCancelled    = "CANCELLED"
)

// StageAllocation names the deadline of an order waiting to be allocated.
const StageAllocation = "ALLOCATION"
