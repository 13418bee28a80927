"""The wizard's steps, in the tutorial's order. Adding or reordering a step happens here."""
from .connect import Connect
from .finish import Finish
from .mfa import Mfa
from .mfa_sign_in import MfaSignIn
from .permissions import Permissions
from .review import Review
from .root_user import RootUser
from .sign_in import SignIn
from .sign_in_details import SignInDetails
from .user_details import UserDetails

STEPS = [Connect(), UserDetails(), Permissions(), Review(), SignInDetails(), SignIn(), Mfa(), MfaSignIn(), RootUser(), Finish()]
BY_SLUG = {step.slug: step for step in STEPS}
