"""Store tests borrow the console bridge's linked customer and resource builders."""

