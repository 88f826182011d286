"""A light base for the library's estimators: the scikit-learn estimator protocol
(``get_params``/``set_params``, ``clone``-able, usable in a ``Pipeline``) without importing
scikit-learn at import time.

Why: ``import sklearn.base`` alone takes ~0.6 s here, more than half the cold-start budget of
``classify_feedback`` (import + first call ≤ 1 s). Prediction needs only numpy and scipy, so
scikit-learn is imported only where it is used: in ``fit`` (the logistic regressions, the
folds) and when scikit-learn asks for tags. ``sklearn.base.clone``, ``Pipeline``,
``GridSearchCV`` and ``cross_val_score`` work with these estimators as with any other.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["Estimator", "check_fitted"]


class Estimator:
    """``get_params``/``set_params`` from the ``__init__`` signature, as in scikit-learn."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Estimator:
        valid = set(self._param_names())
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid: {sorted(valid)}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        changed = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, None)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and the like
                same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:  # asked only by scikit-learn itself
        from sklearn.utils import Tags, TargetTags

        tags = Tags(
            estimator_type=getattr(self, "_estimator_type", None),
            target_tags=TargetTags(required=False),
        )
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def fit_transform(self, x: Any, /, y: Any = None, **fit_params: Any) -> Any:
        return self.fit(x, y, **fit_params).transform(x)  # type: ignore[attr-defined]


def check_fitted(est: Any, attribute: str) -> None:
    """Raise scikit-learn's ``NotFittedError`` unless ``est`` has ``attribute``."""
    if not hasattr(est, attribute):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(est).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )
