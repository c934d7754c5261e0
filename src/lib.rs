//! avatar-kiosk: verify a real person for Seedance 2.0 and register their photos and videos as
//! approved `asset://` references through the APIMart API.
//!
//! The rooms of `DESIGN.md`: [`api`] talks to APIMart, [`sim`] imitates it, [`secrets`] holds
//! the key, [`ui`] draws. Data flows one way; only `api` builds requests and only `secrets`
//! touches the key store.

pub mod api;
pub mod callback;
pub mod camera;
pub mod cli;
pub mod clock;
pub mod config;
pub mod engine;
pub mod flow;
pub mod i18n;
pub mod media;
pub mod platform;
pub mod secrets;
pub mod sim;
pub mod store;
pub mod text;
pub mod ui;
