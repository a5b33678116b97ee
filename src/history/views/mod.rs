//! What the listings show, computed in the library as plain `Serialize`
//! values. The CLI renders each as text or as JSON and never reads one back
//! by key; a web page or another front end renders the same values.

pub mod charter;
pub mod log;
pub mod members;
pub mod proposal;
pub mod review;
pub mod status;
pub mod todo;
