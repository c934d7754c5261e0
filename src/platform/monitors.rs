//! The desktop's monitors, so kiosk mode can show the person's screen full screen on a second
//! monitor when one is connected. Read from the system in the order winit lists monitors,
//! which is the index the window library's `ViewportBuilder::with_monitor` takes: X11 RandR's
//! active CRTCs on Linux and the BSDs, `EnumDisplayMonitors` on Windows, the active display
//! list on macOS. In a Wayland session (where XWayland's order need not be winit's) the list
//! is empty and Settings decides.

/// One monitor, in the desktop's physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Monitor {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// The desktop's main monitor.
    pub primary: bool,
}

impl Monitor {
    fn contains(&self, (x, y): (f32, f32)) -> bool {
        x >= self.x as f32
            && y >= self.y as f32
            && x < self.x as f32 + self.width as f32
            && y < self.y as f32 + self.height as f32
    }
}

/// The index of the monitor for the person's screen: one that is not the staff window's.
/// `staff_at` is the centre of the staff window in physical pixels, when known. `None` when
/// there is only one monitor.
pub fn for_person(monitors: &[Monitor], staff_at: Option<(f32, f32)>) -> Option<usize> {
    if monitors.len() < 2 {
        return None;
    }
    let staff = staff_at
        .and_then(|p| monitors.iter().position(|m| m.contains(p)))
        .or_else(|| monitors.iter().position(|m| m.primary))
        .unwrap_or(0);
    (0..monitors.len()).find(|&i| i != staff)
}

/// The monitors, in winit's order; empty when they cannot be read.
pub fn list() -> Vec<Monitor> {
    #[cfg(all(unix, not(target_os = "macos")))]
    let read = x11::list();
    #[cfg(windows)]
    let read = windows::list();
    #[cfg(target_os = "macos")]
    let read = macos::list();
    #[cfg(not(any(unix, windows)))]
    let read: Result<Vec<Monitor>, Box<dyn std::error::Error>> = Ok(Vec::new());
    read.unwrap_or_else(|e| {
        tracing::debug!("no monitor list: {e}");
        Vec::new()
    })
}

#[cfg(windows)]
mod windows {
    use windows_sys::Win32::Foundation::{LPARAM, RECT};
    use windows_sys::Win32::Graphics::Gdi::{
        EnumDisplayMonitors, GetMonitorInfoW, HDC, HMONITOR, MONITORINFO,
    };
    use windows_sys::core::BOOL;

    use super::Monitor;

    /// `MONITORINFO.dwFlags` of the primary monitor.
    const PRIMARY: u32 = 1;

    unsafe extern "system" fn each(monitor: HMONITOR, _: HDC, _: *mut RECT, out: LPARAM) -> BOOL {
        // SAFETY: MONITORINFO is plain data; all-zero, then sized, is what the call expects.
        let mut info: MONITORINFO = unsafe { std::mem::zeroed() };
        info.cbSize = std::mem::size_of::<MONITORINFO>() as u32;
        // SAFETY: `monitor` comes from the enumeration; `info` is sized as the call expects.
        if unsafe { GetMonitorInfoW(monitor, &mut info) } != 0 {
            // SAFETY: `out` is the address of the Vec that `list` lends for the enumeration.
            let list = unsafe { &mut *(out as *mut Vec<Monitor>) };
            let r = info.rcMonitor;
            list.push(Monitor {
                x: r.left,
                y: r.top,
                width: u32::try_from(r.right - r.left).unwrap_or(0),
                height: u32::try_from(r.bottom - r.top).unwrap_or(0),
                primary: info.dwFlags & PRIMARY != 0,
            });
        }
        1
    }

    /// Every monitor of the desktop, in the system's order (winit's). With per-monitor DPI
    /// awareness (the exe's manifest) the rectangles are physical pixels.
    pub(super) fn list() -> Result<Vec<Monitor>, Box<dyn std::error::Error>> {
        let mut out: Vec<Monitor> = Vec::new();
        // SAFETY: no device context and no clip: every monitor; the callback writes into `out`
        // only during this call.
        let ok = unsafe {
            EnumDisplayMonitors(
                std::ptr::null_mut(),
                std::ptr::null(),
                Some(each),
                &mut out as *mut Vec<Monitor> as LPARAM,
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        out.retain(|m| m.width > 0 && m.height > 0);
        Ok(out)
    }
}

#[cfg(target_os = "macos")]
mod macos {
    use core_graphics::display::CGDisplay;

    use super::Monitor;

    /// The active displays, in the order winit lists them, in physical pixels.
    pub(super) fn list() -> Result<Vec<Monitor>, Box<dyn std::error::Error>> {
        let ids =
            CGDisplay::active_displays().map_err(|e| format!("CGGetActiveDisplayList: {e}"))?;
        let mut out = Vec::new();
        for id in ids {
            let display = CGDisplay::new(id);
            // Bounds and CGDisplayPixelsWide/High are in points; the display mode says how
            // many pixels a point has here (2 on a Retina screen), as winit reckons it.
            let scale = display
                .display_mode()
                .filter(|m| m.width() > 0)
                .map(|m| m.pixel_width() as f64 / m.width() as f64)
                .filter(|s| *s > 0.0)
                .unwrap_or(1.0);
            let bounds = display.bounds();
            let pixels = |points: f64| (points * scale).round();
            out.push(Monitor {
                x: pixels(bounds.origin.x) as i32,
                y: pixels(bounds.origin.y) as i32,
                width: pixels(bounds.size.width) as u32,
                height: pixels(bounds.size.height) as u32,
                primary: display.is_main(),
            });
        }
        out.retain(|m| m.width > 0 && m.height > 0);
        Ok(out)
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod x11 {
    use x11rb::connection::Connection;
    use x11rb::protocol::randr::ConnectionExt as _;

    use super::Monitor;

    /// Every active CRTC, in the screen resources' order (as winit lists them).
    pub(super) fn list() -> Result<Vec<Monitor>, Box<dyn std::error::Error>> {
        let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        // winit draws through Wayland when it can (unless told to use X11): then RandR,
        // answered by XWayland, would number the monitors its own way.
        let wayland = (env("WAYLAND_DISPLAY").is_some() || env("WAYLAND_SOCKET").is_some())
            && env("WINIT_UNIX_BACKEND").is_none_or(|b| b != "x11");
        if wayland || env("DISPLAY").is_none() {
            return Ok(Vec::new());
        }
        let (conn, screen) = x11rb::connect(None)?;
        let root = conn.setup().roots.get(screen).ok_or("no X11 screen")?.root;
        let resources = conn.randr_get_screen_resources_current(root)?.reply()?;
        let primary = conn.randr_get_output_primary(root)?.reply()?.output;
        let mut out = Vec::new();
        for crtc in &resources.crtcs {
            let info = conn
                .randr_get_crtc_info(*crtc, resources.config_timestamp)?
                .reply()?;
            if info.width == 0 || info.height == 0 || info.outputs.is_empty() {
                continue;
            }
            out.push(Monitor {
                x: info.x.into(),
                y: info.y.into(),
                width: info.width.into(),
                height: info.height.into(),
                primary: info.outputs.first() == Some(&primary),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(x: i32, primary: bool) -> Monitor {
        Monitor {
            x,
            y: 0,
            width: 1920,
            height: 1080,
            primary,
        }
    }

    #[test]
    fn one_monitor_means_no_second_screen() {
        assert_eq!(for_person(&[], None), None);
        assert_eq!(for_person(&[m(0, true)], Some((10.0, 10.0))), None);
    }

    #[test]
    fn the_person_gets_the_monitor_the_staff_window_is_not_on() {
        let two = [m(0, true), m(1920, false)];
        assert_eq!(for_person(&two, Some((900.0, 500.0))), Some(1));
        assert_eq!(for_person(&two, Some((2500.0, 500.0))), Some(0));
        // Unknown position: the staff window is taken to be on the primary monitor.
        assert_eq!(for_person(&two, None), Some(1));
        let primary_second = [m(0, false), m(1920, true)];
        assert_eq!(for_person(&primary_second, None), Some(0));
    }
}
