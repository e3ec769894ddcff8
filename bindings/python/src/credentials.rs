//! Python credential objects → core `Credentials`: what users of AWS's generator pass.
//!
//! Accepted: a botocore credential provider (anything with `.load()`), botocore/boto3
//! `Credentials` (refreshable ones through `get_frozen_credentials()`, one consistent snapshot),
//! or any mapping or object with the fields under one of the names below. Reading happens here in
//! Rust because it is on every `provide_token` call: in Python it cost twice the signing itself.

use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use bedrock_token::Credentials;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyMapping, PyString, PyType};

use zeroize::Zeroizing;

use crate::{from_unix, raise};

const NO_CREDENTIALS: &str = "No AWS credentials found. Check your environment or credential provider.";
const KEY_NAMES: [&str; 5] = ["access_key", "access_key_id", "aws_access_key_id", "AccessKeyId", "accessKeyId"];
const SECRET_NAMES: [&str; 5] = ["secret_key", "secret_access_key", "aws_secret_access_key", "SecretAccessKey", "secretAccessKey"];
const TOKEN_NAMES: [&str; 5] = ["token", "session_token", "aws_session_token", "SessionToken", "sessionToken"];
const EXPIRY_NAMES: [&str; 4] = ["_expiry_time", "expiry_time", "expiration", "Expiration"];

/// Interned Python strings for every name looked up, made once per interpreter.
struct Names {
    key: [Py<PyString>; 5],
    secret: [Py<PyString>; 5],
    token: [Py<PyString>; 5],
    expiry: [Py<PyString>; 4],
    load: Py<PyString>,
    get: Py<PyString>,
    frozen: Py<PyString>,
    timestamp: Py<PyString>,
    datetime: Py<PyAny>,
    getattr: Py<PyAny>,
    modules: Py<PyDict>,
}

static NAMES: PyOnceLock<Names> = PyOnceLock::new();

fn names(py: Python<'_>) -> PyResult<&Names> {
    NAMES.get_or_try_init(py, || {
        let intern = |name: &str| PyString::intern(py, name).unbind();
        Ok(Names {
            key: KEY_NAMES.map(intern),
            secret: SECRET_NAMES.map(intern),
            token: TOKEN_NAMES.map(intern),
            expiry: EXPIRY_NAMES.map(intern),
            load: intern("load"),
            get: intern("get"),
            frozen: intern("get_frozen_credentials"),
            timestamp: intern("timestamp"),
            datetime: py.import("datetime")?.getattr("datetime")?.unbind(),
            getattr: py.import("builtins")?.getattr("getattr")?.unbind(),
            modules: py.import("sys")?.getattr("modules")?.cast_into::<PyDict>()?.unbind(),
        })
    })
}

/// Where the fields are read from.
enum Fields<'py> {
    /// Exactly `botocore.credentials.Credentials`: read under botocore's own names only (the first
    /// of each list), which skips the general path's look-ups of names botocore never sets.
    Botocore(Bound<'py, PyAny>),
    Dict(Bound<'py, PyDict>),
    Mapping(Bound<'py, PyAny>),
    Object(Bound<'py, PyAny>),
}

impl<'py> Fields<'py> {
    fn of(source: Bound<'py, PyAny>) -> PyResult<Self> {
        if botocore_credentials_type(source.py())?.is_some_and(|botocore| source.get_type().is(botocore)) {
            return Ok(Self::Botocore(source));
        }
        Ok(match source.cast_into::<PyDict>() {
            Ok(dict) => Self::Dict(dict),
            Err(err) => {
                let source = err.into_inner();
                // SAFETY: `source` is a live object and we hold the GIL; the call only reads its type.
                // Objects that cannot be subscripted are not mappings, so the `collections.abc`
                // check, the slowest step for a credential provider, is skipped for them.
                let subscriptable = unsafe { pyo3::ffi::PyMapping_Check(source.as_ptr()) } == 1;
                if subscriptable && source.cast::<PyMapping>().is_ok() {
                    Self::Mapping(source)
                } else {
                    Self::Object(source)
                }
            }
        })
    }

    /// The first field under `names` whose value is not `None`.
    fn first(&self, names: &[Py<PyString>], get: &Py<PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = match self {
            Self::Botocore(_) => &names[..1],
            _ => names,
        };
        for name in names {
            let value = match self {
                Self::Dict(dict) => dict.get_item(name)?,
                Self::Mapping(mapping) => Some(mapping.call_method1(get, (name,))?),
                // botocore sets its three fields in `__init__`: a plain attribute read, with no
                // call to `getattr` and no argument tuple to build, unless one was deleted.
                Self::Botocore(object) => match object.getattr(name) {
                    Ok(value) => Some(value),
                    Err(_) => optional_attr(object, name)?,
                },
                Self::Object(object) => optional_attr(object, name)?,
            };
            if let Some(value) = value.filter(|v| !v.is_none()) {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }
}

/// `getattr(object, name, None)`: Python's own lookup, which skips making an `AttributeError`
/// for a missing name (pyo3's `getattr_opt` makes and discards one before Python 3.13).
fn optional_attr<'py>(object: &Bound<'py, PyAny>, name: &Py<PyString>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = object.py();
    let getattr = names(py)?.getattr.bind(py);
    let value = getattr.call1((object, name, py.None()))?;
    Ok((!value.is_none()).then_some(value))
}

/// The last class whose instances were credential providers (a callable `load` on the class),
/// held so that its address cannot be reused: a program passes instances of one class, whose
/// `load` is then called as a method straight away, with no `getattr(object, "load", None)` call
/// and no bound method made (a tenth of the binding's own time).
static PROVIDER_CLASS: Mutex<Option<Py<PyType>>> = Mutex::new(None);

/// `object.load()` when `object` is a credential provider, else `None`.
fn load<'py>(object: &Bound<'py, PyAny>, names: &Names) -> PyResult<Option<Bound<'py, PyAny>>> {
    let class = object.get_type();
    let known = PROVIDER_CLASS.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(|known| class.is(known));
    if known {
        return object.call_method0(&names.load).map(Some);
    }
    let Some(load) = optional_attr(object, &names.load)?.filter(|load| load.is_callable()) else {
        return Ok(None);
    };
    if optional_attr(class.as_any(), &names.load)?.is_some_and(|method| method.is_callable()) {
        // The class before (if any) is released after the lock: its last reference may run Python code.
        let before = PROVIDER_CLASS.lock().unwrap_or_else(PoisonError::into_inner).replace(class.unbind());
        drop(before);
    }
    load.call0().map(Some)
}

static BOTOCORE_CREDENTIALS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `botocore.credentials.Credentials`, once botocore is imported (this never imports it).
fn botocore_credentials_type(py: Python<'_>) -> PyResult<Option<&Bound<'_, PyType>>> {
    if let Some(class) = BOTOCORE_CREDENTIALS.get(py) {
        return Ok(Some(class.bind(py)));
    }
    let Some(module) = names(py)?.modules.bind(py).get_item("botocore.credentials")? else {
        return Ok(None);
    };
    let class = module.getattr("Credentials")?.cast_into::<PyType>()?.unbind();
    Ok(Some(BOTOCORE_CREDENTIALS.get_or_init(py, || class).bind(py)))
}

/// Credentials' fields as read from Python: our copies, the secret and the session token wiped
/// when dropped.
pub(crate) struct Keys {
    pub(crate) access_key_id: String,
    pub(crate) secret: Zeroizing<String>,
    pub(crate) session_token: Option<Zeroizing<String>>,
    pub(crate) expiry: Option<SystemTime>,
}

impl Keys {
    /// Core credentials, the strings moved (not copied) into them.
    fn into_credentials(mut self) -> Credentials {
        let session_token = self.session_token.as_mut().map(|token| std::mem::take(&mut **token));
        Credentials::new(self.access_key_id, std::mem::take(&mut *self.secret), session_token, self.expiry, "python")
    }
}

/// Reads `source` into core credentials, raising `CredentialsError` when there are none.
pub(crate) fn read_credentials(source: &Bound<'_, PyAny>) -> PyResult<Credentials> {
    read_keys(source).map(Keys::into_credentials)
}

/// Reads `source`'s fields, raising `CredentialsError` when there are none: for one token,
/// without building a `Credentials` ([`bedrock_token::sign_token_from_keys`]).
pub(crate) fn read_keys(source: &Bound<'_, PyAny>) -> PyResult<Keys> {
    let py = source.py();
    let names = names(py)?;
    let mut fields = Fields::of(source.clone())?;
    if let Fields::Object(object) = &fields {
        if let Some(loaded) = load(object, names)? {
            fields = Fields::of(loaded)?;
        }
    }
    if matches!(&fields, Fields::Object(object) if object.is_none()) {
        return Err(raise(py, "CredentialsError", NO_CREDENTIALS.to_owned()));
    }
    // Exactly botocore's `Credentials` never expires (its refreshable kind is another class).
    let expiry = match &fields {
        Fields::Botocore(_) => None,
        _ => fields.first(&names.expiry, &names.get)?,
    };
    if let (Fields::Object(object), Some(_)) = (&fields, &expiry) {
        if let Some(frozen) = optional_attr(object, &names.frozen)? {
            fields = Fields::of(frozen.call0()?)?; // refreshable: one consistent snapshot
        }
    }
    let key = fields.first(&names.key, &names.get)?;
    let secret = fields.first(&names.secret, &names.get)?;
    let (Some(key), Some(secret)) = (key, secret) else {
        return Err(raise(py, "CredentialsError", NO_CREDENTIALS.to_owned()));
    };
    let token = fields.first(&names.token, &names.get)?.filter(|t| t.is_truthy().unwrap_or(false));
    let expires = match expiry {
        Some(at) if at.is_instance(names.datetime.bind(py))? => Some(from_unix(at.call_method0(&names.timestamp)?.extract()?)),
        _ => None,
    };
    Ok(Keys {
        access_key_id: text(&key)?,
        secret: Zeroizing::new(text(&secret)?),
        session_token: token.as_ref().map(text).transpose()?.map(Zeroizing::new),
        expiry: expires,
    })
}

/// `str(value)`, as AWS's generator formats each field.
fn text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(utf8(&value.str()?)?.to_owned())
}

/// The UTF-8 of a Python `str`, borrowed from the object: CPython keeps it there (an ASCII
/// string's own bytes). pyo3's `to_cow` under `abi3-py39` encodes a `bytes` object instead, which
/// costs an allocation per field and, for a secret, leaves a copy in memory Python frees
/// unwiped. `PyUnicode_AsUTF8AndSize` is in every CPython this wheel loads in (3.3 on; the
/// stable ABI from 3.10), only pyo3's 3.9 limited-API bindings leave it out.
pub(crate) fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    extern "C" {
        fn PyUnicode_AsUTF8AndSize(unicode: *mut pyo3::ffi::PyObject, size: *mut pyo3::ffi::Py_ssize_t) -> *const std::ffi::c_char;
    }
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `text` is a live `str` and we hold the GIL; the UTF-8 returned lives as long as it.
    let data = unsafe { PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
    if data.is_null() {
        return Err(PyErr::fetch(text.py()));
    }
    // SAFETY: CPython returned `size` bytes of valid UTF-8 at `data`, owned by `text`.
    Ok(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), size as usize)) })
}
