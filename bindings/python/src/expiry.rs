//! Python lifetimes → seconds: a `timedelta`, a number of seconds, or text such as `"6h"`.

use std::sync::Mutex;
use std::time::Duration;

use bedrock_token::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::{raise, token_error};

static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The last exact `timedelta` read, held (so its address cannot be reused), with its seconds:
/// callers pass the same constant (`DEFAULT_EXPIRY`, a module's `ONE_HOUR`) on every call, and a
/// `timedelta` cannot change, so its `total_seconds()` is called once, not per token.
static LAST_TIMEDELTA: Mutex<Option<(Py<PyAny>, f64)>> = Mutex::new(None);

/// The lifetime `expiry` in seconds; `InvalidInputError` naming the field for any other type.
pub(crate) fn seconds(expiry: &Bound<'_, PyAny>) -> PyResult<f64> {
    let py = expiry.py();
    let timedelta = TIMEDELTA.get_or_try_init(py, || Ok::<_, PyErr>(py.import("datetime")?.getattr("timedelta")?.unbind()))?;
    if expiry.get_type().is(timedelta.bind(py)) {
        let mut last = LAST_TIMEDELTA.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, seconds)) = last.as_ref().filter(|(object, _)| expiry.is(object)) {
            return Ok(*seconds);
        }
        let seconds: f64 = expiry.call_method0(pyo3::intern!(py, "total_seconds"))?.extract()?;
        *last = Some((expiry.clone().unbind(), seconds));
        return Ok(seconds);
    }
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
