"""What the app serves to people rather than programs: the advocate's gift page
(``/gift/{token}``) and the marketer dashboard (``/dashboard``)."""
