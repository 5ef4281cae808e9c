//! Multicentre analysis without sharing patient rows (being written).
