package linux

// Bug selects one deliberately broken variant of the system (the zoo). Each
// bug's story is in the doc comment of its constant, in its own
// zoo_<name>.go file.
type Bug uint8

// NoBug is today's correct Linux.
const NoBug Bug = 0
