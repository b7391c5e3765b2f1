package alloc

// designs2006 lists the 2006 designs (openvz, pspace2006) and their zoo.
func designs2006() []Entry {
	return nil
}
