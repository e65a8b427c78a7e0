"""`slogate capacity`: the highest rate at which the share objectives still hold."""
