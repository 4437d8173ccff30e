"""What a customer can account for (#20): monthly bills from the ledger, a billing profile,
numbered invoice PDFs per paid order, fapiao requests with the staff queue, and the staff's
monthly sales report."""
