//! The static results site: HTML pages, SVG plots, CSV and JSON downloads.
