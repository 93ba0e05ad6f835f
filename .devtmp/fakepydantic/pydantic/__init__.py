# Minimal stand-in for pydantic on the device machine (no cp312 wheel here): defaults + validators only.
class ValidationError(Exception):
    def errors(self): return []
def ConfigDict(**kw): return kw
_MISSING = object()
def Field(default=_MISSING, default_factory=None, **kw):
    return ("__factory__", default_factory) if default_factory else default
def field_validator(*a, **k): return lambda f: f
def model_validator(*a, **k):
    def deco(f):
        f.__model_validator__ = True
        return f
    return deco
class BaseModel:
    def __init__(self, **kw):
        for klass in reversed(type(self).__mro__):
            for name in getattr(klass, "__annotations__", {}):
                if name in kw: continue
                v = klass.__dict__.get(name, None)
                if isinstance(v, tuple) and len(v) == 2 and v[0] == "__factory__": v = v[1]()
                setattr(self, name, v)
        for k, v in kw.items(): setattr(self, k, v)
        for klass in type(self).__mro__:
            for f in list(klass.__dict__.values()):
                g = getattr(f, "__func__", f)
                if getattr(g, "__model_validator__", False): g(self)
    @classmethod
    def model_validate(cls, d): return cls(**d)
