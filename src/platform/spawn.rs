//! Starting a helper program (ffmpeg) from a window: on Windows the app has no console
//! (`windows_subsystem = "windows"`), so each console program would open a console window of its
//! own for as long as it runs unless told not to. Elsewhere nothing differs.

use std::path::Path;
use std::process::Command;

/// A command for `program` that opens no window of its own.
pub fn tool(program: &Path) -> Command {
    #[allow(unused_mut)]
    let mut command = Command::new(program);
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        // CREATE_NO_WINDOW: the console program runs without a console window.
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        command.creation_flags(CREATE_NO_WINDOW);
    }
    command
}
