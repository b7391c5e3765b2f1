//go:build linux

#include "go_asm.h"
#include "textflag.h"

// func threadClone(args *cloneArgs, size uintptr, c *agentCtx) (r, errno uintptr)
//
// clone3 of a thread agent (agent_thread_linux.go). The child starts on the
// stack args names and never returns: it runs agentThreadMain(c) and exits.
// g (R28) is set to the zeroed stand-in g that follows the thread's
// context, so nothing in the thread reads the host's g.
TEXT ·threadClone(SB),NOSPLIT,$0-40
	MOVD	args+0(FP), R0
	MOVD	size+8(FP), R1
	MOVD	c+16(FP), R19
	MOVD	$435, R8 // SYS_clone3
	SVC
	CMP	$0, R0
	BEQ	child
	CMN	$4095, R0
	BCC	ok
	NEG	R0, R0
	MOVD	$0, R1
	MOVD	R1, r+24(FP)
	MOVD	R0, errno+32(FP)
	RET
ok:
	MOVD	R0, r+24(FP)
	MOVD	$0, R1
	MOVD	R1, errno+32(FP)
	RET
child:
	// An indirect jump: the linker's nosplit check would follow a direct
	// one into agentLoop, which (through this clone) it already is in.
	MOVD	$·threadStart(SB), R1
	JMP	(R1)

// threadStart runs on the new thread's own stack with its context in R19.
TEXT ·threadStart(SB),NOSPLIT|NOFRAME,$0
	MOVD	$const_threadGOff, R1
	ADD	R19, R1, g
	MOVD	RSP, R2
	AND	$~15, R2
	SUB	$32, R2
	MOVD	R2, RSP
	MOVD	R19, 8(RSP)
	CALL	·agentThreadMain(SB)
	MOVD	$0, R0
	MOVD	$93, R8 // SYS_exit: this thread only
	SVC
	B	0(PC)

// execEntry is the entry point of the agent image (agent_thread_linux.go):
// the kernel starts an exec'd agent here, on the stack it built, with no
// Go runtime; g is the zeroed stand-in execG (stack guard 0).
TEXT ·execEntry(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·execG(SB), g
	MOVD	RSP, R2
	AND	$~15, R2
	SUB	$32, R2
	MOVD	R2, RSP
	CALL	·agentExecMain(SB)
	MOVD	$0, R0
	MOVD	$94, R8 // SYS_exit_group
	SVC
	B	0(PC)

// func execEntryPC() uintptr
TEXT ·execEntryPC(SB),NOSPLIT,$0-8
	MOVD	$·execEntry(SB), R0
	MOVD	R0, ret+0(FP)
	RET
