//! Insitu's JavaScript API (being written).
