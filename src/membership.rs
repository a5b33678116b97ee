//! Membership
