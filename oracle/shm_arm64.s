//go:build linux

#include "textflag.h"

// func shmLoad(addr *uint32) uint32
TEXT ·shmLoad(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	LDARW	(R0), R1
	MOVW	R1, ret+8(FP)
	RET

// func shmStore(addr *uint32, v uint32)
TEXT ·shmStore(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	MOVW	v+8(FP), R1
	STLRW	R1, (R0)
	RET
