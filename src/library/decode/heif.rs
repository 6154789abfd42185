//! HEIC/HEIF (iPhone) and AVIF (Android) through libheif, loaded at run time.
//!
//! Why at run time: HEVC and AV1 decoders are large C libraries with patent-encumbered or system-wide
//! builds; linking them would make `cargo build` need `-dev` packages and a C toolchain set up for them.
//! With `dlopen` the build needs nothing, the .deb depends on `libheif1`, and a machine without libheif
//! indexes everything else and skips these files with a reason that says what to install. `VIGNETTE_LIBHEIF`
//! names another library file (a custom build, or a missing one in tests).
//!
//! Orientation: HEIF stores it as `irot`/`imir` transforms, which libheif applies while decoding; the
//! EXIF orientation that phones also write describes the same turn and must not be applied again. Files
//! without any transform (older encoders, `heif-enc` from a rotated JPEG) carry the turn only in EXIF,
//! which is then applied like a JPEG's.
//!
//! This is the one module that calls C: every call goes through the small wrappers below, each pointer is
//! checked for null, and every libheif object is released by a guard's `Drop`.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::path::Path;
use std::sync::OnceLock;

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use super::Decoded;
use super::limits::{BUDGET, MAX_PIXELS, check_size, decode_err};
use crate::error::Result;

/// Environment variable naming the libheif library file to load instead of the platform's default.
pub const LIBHEIF_ENV: &str = "VIGNETTE_LIBHEIF";

#[repr(C)]
struct HeifError {
    code: c_int,
    subcode: c_int,
    message: *const c_char,
}

const COLORSPACE_RGB: c_int = 1;
const CHROMA_RGB: c_int = 10;
const CHROMA_RGBA: c_int = 11;
const CHANNEL_INTERLEAVED: c_int = 10;

type Ptr = *mut c_void;

/// The libheif functions we call (C API, stable across libheif 1.x).
struct Api {
    context_alloc: unsafe extern "C" fn() -> Ptr,
    context_free: unsafe extern "C" fn(Ptr),
    read_from_memory: unsafe extern "C" fn(Ptr, *const c_void, usize, *const c_void) -> HeifError,
    primary_handle: unsafe extern "C" fn(Ptr, *mut Ptr) -> HeifError,
    handle_width: unsafe extern "C" fn(Ptr) -> c_int,
    handle_height: unsafe extern "C" fn(Ptr) -> c_int,
    handle_has_alpha: unsafe extern "C" fn(Ptr) -> c_int,
    handle_release: unsafe extern "C" fn(Ptr),
    decode_image: unsafe extern "C" fn(Ptr, *mut Ptr, c_int, c_int, *const c_void) -> HeifError,
    image_plane: unsafe extern "C" fn(Ptr, c_int, *mut c_int) -> *const u8,
    image_width: unsafe extern "C" fn(Ptr, c_int) -> c_int,
    image_height: unsafe extern "C" fn(Ptr, c_int) -> c_int,
    image_release: unsafe extern "C" fn(Ptr),
    set_max_size: Option<unsafe extern "C" fn(Ptr, c_int)>,
    metadata_ids: unsafe extern "C" fn(Ptr, *const c_char, *mut u32, c_int) -> c_int,
    metadata_size: unsafe extern "C" fn(Ptr, u32) -> usize,
    metadata: unsafe extern "C" fn(Ptr, u32, *mut c_void) -> HeifError,
    version: String,
    // Keeps the code behind the pointers above mapped; never unloaded.
    _lib: libloading::Library,
}

/// The platform's file names for libheif, most specific first.
fn default_names() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &[
            "libheif.1.dylib",
            "libheif.dylib",
            "/opt/homebrew/lib/libheif.1.dylib",
            "/usr/local/lib/libheif.1.dylib",
        ]
    } else if cfg!(windows) {
        &["heif.dll", "libheif.dll"]
    } else {
        &["libheif.so.1", "libheif.so"]
    }
}

/// What to tell a user whose machine has no libheif.
fn install_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "brew install libheif"
    } else if cfg!(windows) {
        "install libheif and put heif.dll beside vignette.exe"
    } else {
        "apt install libheif1, or dnf install libheif"
    }
}

fn load(names: &[String]) -> std::result::Result<Api, String> {
    let mut last = String::new();
    for name in names {
        // SAFETY: loading libheif runs only its ELF/Mach-O initialisers, which have no preconditions.
        match unsafe { libloading::Library::new(name) } {
            Ok(lib) => return bind(lib).map_err(|e| format!("{name} is not a usable libheif: {e}")),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

fn bind(lib: libloading::Library) -> std::result::Result<Api, libloading::Error> {
    // SAFETY: each symbol is looked up by its libheif name and given the signature heif.h declares.
    unsafe {
        let version = match lib.get::<unsafe extern "C" fn() -> *const c_char>(b"heif_get_version\0") {
            Ok(f) => {
                let p = f();
                if p.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(p).to_string_lossy().into_owned()
                }
            }
            Err(_) => String::new(),
        };
        if let Ok(init) = lib.get::<unsafe extern "C" fn(*const c_void) -> HeifError>(b"heif_init\0") {
            // Registers the codec plugins (libheif >= 1.13); reference counted, never undone.
            let _ = init(std::ptr::null());
        }
        Ok(Api {
            context_alloc: *lib.get(b"heif_context_alloc\0")?,
            context_free: *lib.get(b"heif_context_free\0")?,
            read_from_memory: *lib.get(b"heif_context_read_from_memory_without_copy\0")?,
            primary_handle: *lib.get(b"heif_context_get_primary_image_handle\0")?,
            handle_width: *lib.get(b"heif_image_handle_get_width\0")?,
            handle_height: *lib.get(b"heif_image_handle_get_height\0")?,
            handle_has_alpha: *lib.get(b"heif_image_handle_has_alpha_channel\0")?,
            handle_release: *lib.get(b"heif_image_handle_release\0")?,
            decode_image: *lib.get(b"heif_decode_image\0")?,
            image_plane: *lib.get(b"heif_image_get_plane_readonly\0")?,
            image_width: *lib.get(b"heif_image_get_width\0")?,
            image_height: *lib.get(b"heif_image_get_height\0")?,
            image_release: *lib.get(b"heif_image_release\0")?,
            metadata_ids: *lib.get(b"heif_image_handle_get_list_of_metadata_block_IDs\0")?,
            metadata_size: *lib.get(b"heif_image_handle_get_metadata_size\0")?,
            metadata: *lib.get(b"heif_image_handle_get_metadata\0")?,
            set_max_size: lib.get(b"heif_context_set_maximum_image_size_limit\0").ok().map(|s| *s),
            version,
            _lib: lib,
        })
    }
}

/// Names tried: `VIGNETTE_LIBHEIF` alone when set, else the platform's defaults.
fn candidate_names() -> Vec<String> {
    match std::env::var_os(LIBHEIF_ENV) {
        Some(v) if !v.is_empty() => vec![v.to_string_lossy().into_owned()],
        _ => default_names().iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn api() -> std::result::Result<&'static Api, &'static str> {
    static API: OnceLock<std::result::Result<Api, String>> = OnceLock::new();
    API.get_or_init(|| load(&candidate_names()))
        .as_ref()
        .map_err(String::as_str)
}

/// libheif's version when it loads, or why it does not.
pub fn status() -> std::result::Result<String, String> {
    api().map(|a| a.version.clone()).map_err(str::to_owned)
}

/// Why a `kind` file ("HEIC" or "AVIF") cannot be read on this machine, when libheif is missing.
fn missing(kind: &str, why: &str) -> String {
    format!(
        "{kind} needs libheif ({}), which could not be loaded: {why}",
        install_hint()
    )
}

fn check(e: HeifError) -> std::result::Result<(), String> {
    if e.code == 0 {
        return Ok(());
    }
    let msg = if e.message.is_null() {
        format!("libheif error {}.{}", e.code, e.subcode)
    } else {
        // SAFETY: libheif's messages are static NUL-terminated strings ("always defined").
        unsafe { CStr::from_ptr(e.message) }.to_string_lossy().into_owned()
    };
    Err(msg)
}

struct Guard<'a> {
    ptr: Ptr,
    free: unsafe extern "C" fn(Ptr),
    _api: std::marker::PhantomData<&'a Api>,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: `ptr` came from the libheif allocator that `free` belongs to and is freed once.
            unsafe { (self.free)(self.ptr) }
        }
    }
}

fn guard(ptr: Ptr, free: unsafe extern "C" fn(Ptr)) -> Guard<'static> {
    Guard {
        ptr,
        free,
        _api: std::marker::PhantomData,
    }
}

/// Decode the primary image of a HEIF/AVIF file (`kind` names it in messages) to upright RGB.
pub(super) fn decode(path: &Path, bytes: &[u8], kind: &str) -> Result<Decoded> {
    let api = api().map_err(|why| decode_err(path, missing(kind, why)))?;
    decode_with(api, path, bytes, kind)
}

fn decode_with(api: &Api, path: &Path, bytes: &[u8], kind: &str) -> Result<Decoded> {
    let fail = |m: String| decode_err(path, format!("{kind}: {m}"));
    // SAFETY: every pointer passed below is either null-checked output of libheif or `bytes`, which
    // outlives the context (read "without copy" borrows it until the context is freed, at the end).
    unsafe {
        let ctx = guard((api.context_alloc)(), api.context_free);
        if ctx.ptr.is_null() {
            return Err(fail("cannot allocate a libheif context".into()));
        }
        if let Some(set) = api.set_max_size {
            // Both sides at most this; the pixel limit is checked again below.
            set(ctx.ptr, 65_535);
        }
        check((api.read_from_memory)(
            ctx.ptr,
            bytes.as_ptr().cast(),
            bytes.len(),
            std::ptr::null(),
        ))
        .map_err(fail)?;
        let mut handle: Ptr = std::ptr::null_mut();
        check((api.primary_handle)(ctx.ptr, &mut handle)).map_err(fail)?;
        let handle = guard(handle, api.handle_release);
        if handle.ptr.is_null() {
            return Err(fail("no primary image".into()));
        }
        let (w, h) = ((api.handle_width)(handle.ptr), (api.handle_height)(handle.ptr));
        let (w, h) = (u32::try_from(w).unwrap_or(0), u32::try_from(h).unwrap_or(0));
        check_size(path, w, h)?;
        let alpha = (api.handle_has_alpha)(handle.ptr) != 0;
        // libheif's planes (YCbCr, up to 16-bit), its RGB(A) output and our copy.
        let _lease = BUDGET.take(path, u64::from(w) * u64::from(h) * (6 + 4 + 3))?;
        let chroma = if alpha { CHROMA_RGBA } else { CHROMA_RGB };
        let mut img: Ptr = std::ptr::null_mut();
        check((api.decode_image)(
            handle.ptr,
            &mut img,
            COLORSPACE_RGB,
            chroma,
            std::ptr::null(),
        ))
        .map_err(|m| fail(decoder_hint(kind, &m)))?;
        let img = guard(img, api.image_release);
        if img.ptr.is_null() {
            return Err(fail("decoder returned no image".into()));
        }
        let iw = u32::try_from((api.image_width)(img.ptr, CHANNEL_INTERLEAVED)).unwrap_or(0);
        let ih = u32::try_from((api.image_height)(img.ptr, CHANNEL_INTERLEAVED)).unwrap_or(0);
        if iw == 0 || ih == 0 || u64::from(iw) * u64::from(ih) > MAX_PIXELS {
            return Err(fail(format!("decoded image has an unusable size {iw}x{ih}")));
        }
        let mut stride: c_int = 0;
        let plane = (api.image_plane)(img.ptr, CHANNEL_INTERLEAVED, &mut stride);
        let bpp: usize = if alpha { 4 } else { 3 };
        let row = iw as usize * bpp;
        let stride = usize::try_from(stride).unwrap_or(0);
        if plane.is_null() || stride < row {
            return Err(fail("decoder returned no pixels".into()));
        }
        let data = std::slice::from_raw_parts(plane, stride * (ih as usize - 1) + row);
        let mut image = DynamicImage::ImageRgb8(interleaved_to_rgb(data, iw, ih, stride, alpha));
        if !has_transform(bytes) {
            let o = exif_orientation(api, handle.ptr).unwrap_or(Orientation::NoTransforms);
            image.apply_orientation(o);
        }
        Ok(Decoded {
            original: (image.width(), image.height()),
            image: image.into_rgb8(),
        })
    }
}

/// The EXIF orientation of the image behind `handle`, if it has an Exif block.
///
/// # Safety
/// `handle` must be a live image handle of `api`'s library.
unsafe fn exif_orientation(api: &Api, handle: Ptr) -> Option<Orientation> {
    let mut id = 0u32;
    // SAFETY: `id` has room for the one ID asked for; the metadata buffer has the size libheif gave.
    unsafe {
        if (api.metadata_ids)(handle, c"Exif".as_ptr(), &mut id, 1) < 1 {
            return None;
        }
        let size = (api.metadata_size)(handle, id);
        if !(8..=1 << 20).contains(&size) {
            return None;
        }
        let mut buf = vec![0u8; size];
        check((api.metadata)(handle, id, buf.as_mut_ptr().cast())).ok()?;
        // The block starts with the big-endian offset of the TIFF header after these 4 bytes.
        let skip = usize::try_from(u32::from_be_bytes(buf.get(..4)?.try_into().ok()?)).ok()?;
        Orientation::from_exif_chunk(buf.get(4 + skip..)?)
    }
}

/// Whether the file's `meta` box holds an `irot` or `imir` property (libheif then turns the image).
fn has_transform(bytes: &[u8]) -> bool {
    let mut at = 0usize;
    while let Some(head) = bytes.get(at..at + 8) {
        let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = if size == 0 {
            bytes.len()
        } else {
            at.saturating_add(size).min(bytes.len())
        };
        if &head[4..8] == b"meta" {
            let meta = &bytes[at..end];
            return meta.windows(4).any(|w| w == b"irot" || w == b"imir");
        }
        if size < 8 {
            return false;
        }
        at = end;
    }
    false
}

/// Say which plugin is missing when libheif lacks the codec (Debian 13 splits them into packages).
fn decoder_hint(kind: &str, message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("unsupported codec") || lower.contains("no decoding plugin") {
        let plugin = if kind == "AVIF" {
            "libheif-plugin-dav1d"
        } else {
            "libheif-plugin-libde265"
        };
        format!("{message}; libheif has no {kind} decoder here (apt install {plugin})")
    } else {
        message.to_owned()
    }
}

fn interleaved_to_rgb(data: &[u8], w: u32, h: u32, stride: usize, alpha: bool) -> RgbImage {
    let bpp = if alpha { 4 } else { 3 };
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h as usize {
        let row = &data[y * stride..y * stride + w as usize * bpp];
        if alpha {
            for p in row.chunks_exact(4) {
                let a = u16::from(p[3]);
                out.extend((0..3).map(|c| ((u16::from(p[c]) * a + 255 * (255 - a)) / 255) as u8));
            }
        } else {
            out.extend_from_slice(row);
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_else(|| RgbImage::new(w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_says_what_to_install() {
        let e = load(&["libheif-that-does-not-exist.so.9".into()])
            .err()
            .expect("missing");
        let msg = missing("HEIC", &e);
        assert!(msg.starts_with("HEIC needs libheif ("), "{msg}");
        assert!(msg.contains(install_hint()), "{msg}");
        assert!(msg.contains("libheif-that-does-not-exist"), "{msg}");
    }

    #[test]
    fn rows_are_copied_without_stride_padding() {
        // 2x2 RGBA with 4 padding bytes a row; the transparent pixel becomes white.
        let data = [
            255, 0, 0, 255, 0, 255, 0, 255, 9, 9, 9, 9, //
            0, 0, 255, 255, 0, 0, 0, 0, 9, 9, 9, 9,
        ];
        let img = interleaved_to_rgb(&data, 2, 2, 12, true);
        assert_eq!(img.as_raw(), &[255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    }
}
