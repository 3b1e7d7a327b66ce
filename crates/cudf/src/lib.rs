//! The CUDF 2.0 model, a fast parser over bytes with interned names and line/column positions, a writer, and transparent .gz/.bz2/.xz input.
