"""PC/SC smart-card readers (pyscard): APDUs, BER-TLV, bank IC cards, a supervised monitor."""
