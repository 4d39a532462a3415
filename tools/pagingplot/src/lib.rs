//! Replays page-reference traces through page-replacement policies and
//! draws page faults against memory size (`make paging-plot`, docs/swap.md).
//!
//! The clock is the library's own (`jos::evict`), run exactly as the swap
//! code runs it; FIFO, LRU and the optimal policy (Belady's MIN, which needs
//! the future and so exists only here) are the yardsticks.
pub mod replay;
pub mod svg;
pub mod trace;
