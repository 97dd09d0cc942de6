"""The public survey pages: phone-sized, work without JavaScript."""
