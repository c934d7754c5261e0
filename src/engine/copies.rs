//! The copies this desk made of a person's media, in its data folder: the prepared photos in
//! the cache, fixed videos, the camera's captures and test renders. Deleting a person removes
//! them, and so will the retention purge and a withdrawal. Files staff picked from elsewhere
//! are never among them.

use std::path::PathBuf;

use super::actor::Actor;
use super::check;
use crate::flow::{AssetSource, RenderState, Session};

impl Actor {
    /// The files of `s` this desk made, resolved under the folders it made them in (a stored
    /// path that only looks as if it is under one, `fixed/../../x`, is not among them).
    pub(super) fn copies_of(&self, s: &Session) -> Vec<PathBuf> {
        let inside = crate::platform::paths::inside;
        let made = [&self.config.fixed_dir, &self.config.captures_dir];
        let media = s.assets.iter().filter_map(|a| match &a.source {
            AssetSource::File { path } => made.iter().find_map(|dir| inside(path, dir)),
            _ => None,
        });
        let renders = s.renders.iter().flat_map(|r| match &r.state {
            RenderState::Done {
                path, thumbnail, ..
            } => std::iter::once(path)
                .chain(thumbnail)
                .filter_map(|f| inside(f, &self.config.renders_dir))
                .collect(),
            _ => Vec::new(),
        });
        media.chain(renders).collect()
    }

    /// Removes every copy of `s` this desk made (the cache's prepared photos included).
    pub(super) async fn remove_copies(&self, s: &Session) {
        self.cache.remove(&check::hashes_of(s));
        for file in self.copies_of(s) {
            let _ = tokio::fs::remove_file(file).await;
        }
    }
}
