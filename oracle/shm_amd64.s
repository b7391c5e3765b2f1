//go:build linux

#include "textflag.h"

// func shmLoad(addr *uint32) uint32
TEXT ·shmLoad(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), AX
	MOVL	(AX), AX
	MOVL	AX, ret+8(FP)
	RET

// func shmStore(addr *uint32, v uint32)
TEXT ·shmStore(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), BX
	MOVL	v+8(FP), AX
	XCHGL	AX, 0(BX)
	RET
