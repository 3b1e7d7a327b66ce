//! The MISC optimisation-criteria language, its evaluation to integer vectors under the name and pair readings, and their lexicographic comparison.
