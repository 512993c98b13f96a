"""Pure rules of the letters service: penalties, rates, the address block, the letter's states."""
