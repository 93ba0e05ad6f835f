"""FreiHAND's joint order (wrist, then each finger base to tip) against InterHand2.6M's (mahm-search's:
each finger tip to base, wrist last)."""

# FreiHAND index of each InterHand joint: finger f (thumb..pinky), k = 0 tip .. 3 base; wrist last
FREIHAND_OF_INTERHAND = [1 + 4 * f + (3 - k) for f in range(5) for k in range(4)] + [0]
# InterHand index of each FreiHAND joint (the inverse)
INTERHAND_TO_FREIHAND = [FREIHAND_OF_INTERHAND.index(j) for j in range(21)]
