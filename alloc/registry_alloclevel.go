package alloc

// allocLevel lists the allocator-level implementations (idr, pidmap, lockfree) and their zoo.
func allocLevel() []Entry {
	return nil
}
