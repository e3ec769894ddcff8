//! Python lifetimes → seconds: a `timedelta`, a number of seconds, or text such as `"6h"`.

use std::time::Duration;

use bedrock_token::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::{raise, token_error};

static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The lifetime `expiry` in seconds; `InvalidInputError` naming the field for any other type.
pub(crate) fn seconds(expiry: &Bound<'_, PyAny>) -> PyResult<f64> {
    let py = expiry.py();
    let timedelta = TIMEDELTA.get_or_try_init(py, || Ok::<_, PyErr>(py.import("datetime")?.getattr("timedelta")?.unbind()))?;
    if expiry.is_instance(timedelta.bind(py))? {
        return expiry.call_method0(pyo3::intern!(py, "total_seconds"))?.extract();
    }
    let expected = "expiry: expected a timedelta, seconds or text such as '6h', got";
    if expiry.is_instance_of::<PyBool>() {
        return Err(raise(py, "InvalidInputError", format!("{expected} {}", expiry.repr()?)));
    }
    if expiry.is_instance_of::<PyInt>() || expiry.is_instance_of::<PyFloat>() {
        return expiry.extract();
    }
    if let Ok(text) = expiry.cast::<PyString>() {
        return bedrock_token::parse_expiry(&text.to_cow()?).map(|d| d.as_secs_f64()).map_err(token_error);
    }
    Err(raise(py, "InvalidInputError", format!("{expected} {}", expiry.get_type().name()?)))
}

/// [`seconds`] as a `Duration` (a negative or non-finite lifetime is an `InvalidInputError`).
pub(crate) fn duration(expiry: &Bound<'_, PyAny>) -> PyResult<Duration> {
    lifetime(seconds(expiry)?)
}

/// Seconds as a `Duration`; the core checks the 1 s ..= 12 h range when it signs or builds.
pub(crate) fn lifetime(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| token_error(Error::InvalidExpiry { given: format!("{seconds} s") }))
}
