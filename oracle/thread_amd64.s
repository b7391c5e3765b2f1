//go:build linux

#include "textflag.h"

// func threadClone(args *cloneArgs, size uintptr, c *agentCtx) (r, errno uintptr)
//
// clone3 of a thread agent (agent_thread_linux.go). The child starts on the
// stack args names, with the TLS args names (CLONE_SETTLS: its -8(FS) word
// is a zeroed stand-in g, so the ABI wrapper's g load reads no host
// memory), and never returns: it runs agentThreadMain(c) and exits.
TEXT ·threadClone(SB),NOSPLIT,$0-40
	MOVQ	args+0(FP), DI
	MOVQ	size+8(FP), SI
	MOVQ	c+16(FP), R12
	MOVQ	$435, AX // SYS_clone3
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, r+24(FP)
	MOVQ	AX, errno+32(FP)
	RET
ok:
	MOVQ	AX, r+24(FP)
	MOVQ	$0, errno+32(FP)
	RET
child:
	// An indirect jump: the linker's nosplit check would follow a direct
	// one into agentLoop, which (through this clone) it already is in.
	LEAQ	·threadStart(SB), AX
	JMP	AX

// threadStart runs on the new thread's own stack with its context in R12.
TEXT ·threadStart(SB),NOSPLIT|NOFRAME,$0
	ANDQ	$~15, SP
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	·agentThreadMain(SB)
	MOVQ	$0, DI
	MOVQ	$60, AX // SYS_exit: this thread only
	SYSCALL
	JMP	0(PC)

// execEntry is the entry point of the agent image (agent_thread_linux.go):
// the kernel starts an exec'd agent here, on the stack it built, with no
// Go runtime. It points FS at execTLS, whose -8(FS) word is the address of
// the zeroed stand-in execG (stack guard 0: the ABI wrapper's g load and
// any stack check pass without a runtime), and runs agentExecMain.
TEXT ·execEntry(SB),NOSPLIT|NOFRAME,$0
	LEAQ	·execG(SB), AX
	MOVQ	AX, ·execTLS(SB)
	LEAQ	·execTLS+8(SB), SI
	MOVQ	$0x1002, DI // ARCH_SET_FS
	MOVQ	$158, AX    // SYS_arch_prctl
	SYSCALL
	ANDQ	$~15, SP
	CALL	·agentExecMain(SB)
	MOVQ	$0, DI
	MOVQ	$231, AX // SYS_exit_group
	SYSCALL
	JMP	0(PC)

// func execEntryPC() uintptr
TEXT ·execEntryPC(SB),NOSPLIT,$0-8
	LEAQ	·execEntry(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
