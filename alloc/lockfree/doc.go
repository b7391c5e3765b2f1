// Package lockfree is pidcheck's own lock-free PID number allocator: a
// bitmap of atomic words ("bitmap[i]") claimed with fetch-or, a cursor hint
// ("cursor") moved with one compare-and-swap, and two free counters that
// make a "full" answer exact. It claims the unique policy.
//
// # Design
//
//   - alloc reads the hint h and searches [max(h, pid_min), pid_max), then
//     [pid_min, pid_max), then [1, pid_max) (pid_min follows the kernel's
//     floor rule). In each word it picks a clear bit of what it last read
//     and sets it with fetch-or; if the old value shows the bit was already
//     set, another thread won it and the search goes on with the next clear
//     bit. On success it moves the hint from h to n+1 with one
//     compare-and-swap; if the hint moved meanwhile, another allocator's
//     value is as fresh, and it is kept. Run alone, this is exactly the
//     cyclic order (idr_alloc_cyclic), with one more pass below the floor.
//   - free clears the bit with fetch-and; the old value says whether the
//     number was allocated. Around it, free increments frees.begun before
//     and frees.done after.
//   - A search that found every bit set does not trust it: a free may have
//     cleared a bit behind the scan while a claim filled one ahead of it
//     (zoo_unchecked_full.go). It waits until no free is in flight
//     (frees.done = frees.begun, read in that order), notes b =
//     frees.begun, searches again, and answers EAGAIN only if frees.begun
//     is still b afterwards; otherwise it retries.
//   - set_max and disable take the "gate" reader/writer lock exclusively;
//     alloc, alloc_at and set_cursor hold it shared. Allocations never
//     exclude one another; the gate only keeps pid_max and the disabled flag
//     constant while an allocation runs.
//
// # Why it is linearizable (unique policy)
//
// Each operation takes effect at one atomic step inside its interval:
//
//   - alloc → n: at its successful fetch-or. The bit was clear just before
//     (n was free) and n < pid_max, and the allocator was enabled (both
//     constant while the gate is held shared).
//   - alloc → EAGAIN: at its final read of frees.begun. Let t0 be the read
//     of frees.begun that gave b. Because frees.done (read first) equalled
//     b, no free was between its two counters at t0; because frees.begun
//     was still b at the end, no free started after t0. So no bit was
//     cleared after t0, and each word, seen full at some time after t0, is
//     still full at the end: every number was taken at that instant.
//   - alloc → ENOMEM, set_max, disable: while holding the gate.
//   - alloc_at: at its fetch-or (EEXIST iff the bit was set); EINVAL and
//     ENOMEM while holding the gate.
//   - free: at its fetch-and (EINVAL iff the bit was clear).
//   - set_cursor: the hint is not part of the unique policy's state.
//
// # Why not cyclic
//
// Cyclic allocation must take the first free number at or after the cursor
// and move the cursor past it in one atomic step. Here the cursor and the
// bit are different words, so an allocation can read the cursor, lose the
// processor while another thread allocates and frees the next number, and
// then take that number again (the interleaving in alloc/pidmap/doc.go
// applies unchanged). Making the two one step needs a double-word CAS or a
// helping protocol (publish the pending claim in the cursor word, and have
// every allocator finish a pending claim before starting its own); packing
// cursor and bitmap into one word works only for pid_max below ~48 and
// serializes every allocation on that word — idr's lock with extra steps.
// So lockfree claims unique, and is cyclic only when run alone.
//
// New builds the correct allocator; NewZoo(env, p, bug) builds a zoo
// variant (the Bug constants, each named as the registry lists it and
// declared in its own zoo_*.go file with its story).
package lockfree
